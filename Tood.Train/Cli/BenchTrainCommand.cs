using System.Text.Json;
using Tood.CommandLine;
using Tood.Train.Model;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary><c>tood-train bench-train</c>: per-phase training step times (see <see cref="TrainStepBench"/>).</summary>
public sealed class BenchTrainCommand : ICommand
{
    public string Name => "bench-train";
    public string Usage => "bench-train [--preset tiny|r18|r50] [--imgsz 320] [--batch 8] [--steps 10] [--workers N] [--atss] [--device cpu] [--json OUT]   training step breakdown";

    public static (TrainBenchOptions Options, string? Json) Parse(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, new HashSet<string> { "atss" });
        var d = new TrainBenchOptions();
        var o = new TrainBenchOptions
        {
            Preset = a.String("preset", d.Preset)!.ToLowerInvariant(),
            ImageSize = a.Int("imgsz", d.ImageSize),
            BatchSize = a.Int("batch", d.BatchSize),
            Steps = a.Int("steps", d.Steps),
            Workers = a.Int("workers", d.Workers),
            Atss = a.Flag("atss"),
            Device = a.String("device", d.Device)!,
        };
        var json = a.String("json");
        a.ThrowOnUnknown();
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        if (!ModelPresets.Names.Contains(o.Preset)) throw new UsageException($"--preset must be {string.Join("|", ModelPresets.Names)}, got '{o.Preset}'");
        if (o.ImageSize < 32 || o.ImageSize % 32 != 0) throw new UsageException($"--imgsz must be a positive multiple of 32, got {o.ImageSize}");
        if (o.BatchSize < 1) throw new UsageException($"--batch must be ≥ 1, got {o.BatchSize}");
        if (o.Steps < 1) throw new UsageException($"--steps must be ≥ 1, got {o.Steps}");
        if (o.Workers < 1) throw new UsageException($"--workers must be ≥ 1, got {o.Workers}");
        return (o, json);
    }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var (o, json) = Parse(args);
        var report = await TrainStepBench.RunAsync(o, Console.Error, cancellationToken);
        Console.Out.Write(report.ToTable());
        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            Console.Out.WriteLine($"json: {Path.GetFullPath(json)}");
        }
        return 0;
    }
}
