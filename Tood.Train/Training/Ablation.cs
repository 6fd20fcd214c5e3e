using System.Globalization;
using System.Text;
using System.Text.Json;
using Tood.Realtime.Evaluation;
using Tood.Train.Data;
using Tood.Train.Model;

namespace Tood.Train.Training;

/// <summary>One cell of the paper's head × assignment ablation (PAPER Tables 3 and 6, spec §7.3, §7.6).</summary>
/// <param name="Tal">TAL after the ATSS warm-up epochs (the paper's TOOD schedule); false = ATSS for every epoch.</param>
public sealed record AblationCell(string Name, string Title, HeadKind Head, bool Tal);

/// <summary>A trained and evaluated cell.</summary>
public sealed record AblationResult(AblationCell Cell, CocoStats Stats, double TrainSeconds, long HeadParameters);

/// <summary>
/// The ablation behind <c>tood-train ablate</c>: every cell trains on the same data with the same options (budget,
/// schedule, seed, warm-up) except its head and assigner, in its own sub-folder of the run dir, and is evaluated
/// (its last checkpoint) on the same validation set. The default pair is T-Head + TAL against parallel head + ATSS;
/// <c>full</c> adds the two mixed cells, T-Head + ATSS and parallel head + TAL (PAPER Table 6: 39.2 / 41.1 / 40.3 /
/// 42.5 AP for parallel+ATSS, T-Head+ATSS, parallel+TAL, T-Head+TAL).
/// </summary>
public static class Ablation
{
    public static readonly AblationCell ToodTal = new("tood_tal", "T-Head + TAL", HeadKind.TaskAligned, Tal: true);
    public static readonly AblationCell ToodAtss = new("tood_atss", "T-Head + ATSS", HeadKind.TaskAligned, Tal: false);
    public static readonly AblationCell ParallelTal = new("parallel_tal", "parallel head + TAL", HeadKind.Parallel, Tal: true);
    public static readonly AblationCell ParallelAtss = new("parallel_atss", "parallel head + ATSS", HeadKind.Parallel, Tal: false);

    public const string ReportName = "ablation.json";

    public static IReadOnlyList<AblationCell> Cells(bool full) =>
        full ? [ToodTal, ToodAtss, ParallelTal, ParallelAtss] : [ToodTal, ParallelAtss];

    /// <summary>The options of one cell: the base options with its head, its assigner schedule and its run dir.</summary>
    public static TrainOptions OptionsFor(TrainOptions baseOptions, AblationCell cell) => baseOptions with
    {
        Head = cell.Head,
        WarmupEpochs = cell.Tal ? baseOptions.WarmupEpochs : baseOptions.Epochs,
        // Table 3 is the paper's design: TAL cells switch after the fixed warm-up epochs (no measured hand-over).
        HandoverAlignment = 0,
        RunDir = Path.Combine(baseOptions.RunDir, cell.Name),
    };

    /// <summary>Trains and evaluates every cell in turn; writes RUNDIR/ablation.json. <see cref="NonFiniteLossException"/> propagates.</summary>
    public static async Task<IReadOnlyList<AblationResult>> RunAsync(TrainOptions baseOptions, bool full, TextWriter log, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(baseOptions);
        if (baseOptions.ValAnnotations is null) throw new Tood.CommandLine.UsageException("ablate needs --val-data and --val-images");
        if (baseOptions.Resume) throw new Tood.CommandLine.UsageException("ablate does not support --resume");
        var val = CocoDetectionDataset.Open(baseOptions.ValAnnotations, baseOptions.ValImages, baseOptions.ValSplit, baseOptions.Classes);
        var results = new List<AblationResult>();
        foreach (var cell in Cells(full))
        {
            var o = OptionsFor(baseOptions, cell);
            log.WriteLine($"ablate: training {cell.Title} → {o.RunDir}");
            var timer = System.Diagnostics.Stopwatch.StartNew();
            await new Trainer(o, log).RunAsync(ct);
            double seconds = timer.Elapsed.TotalSeconds;
            var device = DeviceSelector.Resolve(o.Device);
            using var loaded = Checkpoint.Load(Path.Combine(o.RunDir, Trainer.LastName), device);
            var (stats, _) = await Validator.EvaluateAsync(loaded.Model, val, o.EffectiveImageSize, device, o.BatchSize, o.Workers, ct: ct);
            results.Add(new AblationResult(cell, stats, seconds, loaded.Model.CountParameters().Head));
        }
        await File.WriteAllTextAsync(Path.Combine(baseOptions.RunDir, ReportName), ToJson(results), ct);
        return results;
    }

    public static string ToJson(IReadOnlyList<AblationResult> results) =>
        JsonSerializer.Serialize(results.ToDictionary(r => r.Cell.Name, r => new Dictionary<string, object>
        {
            ["head"] = r.Cell.Head.ToName(),
            ["assigner"] = r.Cell.Tal ? "tal" : "atss",
            ["stats"] = r.Stats.ToArray(),
            ["train_seconds"] = Math.Round(r.TrainSeconds, 1),
            ["head_params"] = r.HeadParameters,
        }), new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The results table, and ΔAP of each cell against parallel head + ATSS when that cell ran.</summary>
    public static string ToTable(IReadOnlyList<AblationResult> results)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"{"cell",-22} {"head params",12} {"AP",7} {"AP50",7} {"AP75",7} {"APs",7} {"APm",7} {"APl",7} {"train s",8}"));
        foreach (var r in results)
        {
            var s = r.Stats;
            sb.AppendLine(string.Create(inv, $"{r.Cell.Title,-22} {r.HeadParameters,12:N0} {s.AP,7:F4} {s.AP50,7:F4} {s.AP75,7:F4} {s.APSmall,7:F4} {s.APMedium,7:F4} {s.APLarge,7:F4} {r.TrainSeconds,8:F0}"));
        }
        if (results.FirstOrDefault(r => r.Cell == ParallelAtss) is { } baseline)
            foreach (var r in results.Where(r => r.Cell != ParallelAtss))
                sb.AppendLine(string.Create(inv, $"ΔAP ({r.Cell.Title} − {baseline.Cell.Title}) = {r.Stats.AP - baseline.Stats.AP:+0.0000;-0.0000}"));
        return sb.ToString();
    }
}
