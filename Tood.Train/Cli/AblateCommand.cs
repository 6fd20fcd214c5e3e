using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tood.CommandLine;
using Tood.Realtime.Evaluation;
using Tood.Train.Data;
using Tood.Train.Model;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary>
/// <c>tood-train ablate</c>: the paper's Table 3 at small scale (spec §7.3) — T-Head + TAL against the
/// parallel head + ATSS, trained on the same data with the same budget, schedule and seed, both
/// evaluated on the same validation set. Takes every <c>train</c> option; RUNDIR gets one sub-folder per arm.
/// </summary>
public sealed class AblateCommand : ToolCommand
{
    private readonly TrainOptionSet _options = new();

    public AblateCommand() : base("ablate", "T-Head + TAL against the parallel head + ATSS, same data and budget (paper Table 3); takes every train option")
        => _options.AddTo(this);

    protected override async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var baseOptions = _options.Read(parse);
        if (baseOptions.ValAnnotations is null) throw new UsageException("ablate needs --val-data and --val-images");
        if (baseOptions.Resume) throw new UsageException("ablate does not support --resume");

        // Arm 1: the paper's TOOD (ATSS warm-up epochs, then TAL). Arm 2: ATSS for the whole run.
        var arms = new (string Name, TrainOptions Options)[]
        {
            ("tood_tal", baseOptions with { Head = HeadKind.TaskAligned, RunDir = Path.Combine(baseOptions.RunDir, "tood_tal") }),
            ("parallel_atss", baseOptions with { Head = HeadKind.Parallel, WarmupEpochs = baseOptions.Epochs, RunDir = Path.Combine(baseOptions.RunDir, "parallel_atss") }),
        };
        var results = new List<(string Name, CocoStats Stats, double Seconds, long Params)>();
        try
        {
            var val = CocoDetectionDataset.Open(baseOptions.ValAnnotations, baseOptions.ValImages, baseOptions.ValSplit, baseOptions.Classes);
            foreach (var (name, o) in arms)
            {
                console.Error.WriteLine($"ablate: training {name} → {o.RunDir}");
                var timer = System.Diagnostics.Stopwatch.StartNew();
                await new Trainer(o).RunAsync(cancellationToken);
                double seconds = timer.Elapsed.TotalSeconds;
                var device = DeviceSelector.Resolve(o.Device);
                using var loaded = Checkpoint.Load(Path.Combine(o.RunDir, Trainer.LastName), device);
                var (stats, _) = await Validator.EvaluateAsync(loaded.Model, val, o.EffectiveImageSize, device, o.BatchSize, o.Workers, ct: cancellationToken);
                results.Add((name, stats, seconds, loaded.Model.CountParameters().Head));
            }
        }
        catch (NonFiniteLossException e)
        {
            console.Error.WriteLine($"tood-train ablate: {e.Message}");
            return TrainCommand.ExitNonFinite;
        }

        var inv = CultureInfo.InvariantCulture;
        console.Out.WriteLine(string.Create(inv, $"{"arm",-16} {"head params",12} {"AP",7} {"AP50",7} {"AP75",7} {"APs",7} {"APm",7} {"APl",7} {"train s",8}"));
        foreach (var (name, s, sec, p) in results)
            console.Out.WriteLine(string.Create(inv, $"{name,-16} {p,12:N0} {s.AP,7:F4} {s.AP50,7:F4} {s.AP75,7:F4} {s.APSmall,7:F4} {s.APMedium,7:F4} {s.APLarge,7:F4} {sec,8:F0}"));
        console.Out.WriteLine(string.Create(inv, $"ΔAP (T-Head+TAL − parallel+ATSS) = {results[0].Stats.AP - results[1].Stats.AP:+0.0000;-0.0000}"));

        var json = JsonSerializer.Serialize(results.ToDictionary(r => r.Name, r => new Dictionary<string, object>
        {
            ["stats"] = r.Stats.ToArray(),
            ["train_seconds"] = Math.Round(r.Seconds, 1),
            ["head_params"] = r.Params,
        }), new JsonSerializerOptions { WriteIndented = true });
        await File.WriteAllTextAsync(Path.Combine(baseOptions.RunDir, "ablation.json"), json, cancellationToken);
        return ExitCodes.Ok;
    }
}
