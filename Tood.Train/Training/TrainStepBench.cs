using System.Globalization;
using System.Text;
using System.Text.Json;
using Tood.Train.Data.Synth;

namespace Tood.Train.Training;

/// <summary>Options of <c>tood-train bench-train</c>.</summary>
public sealed record TrainBenchOptions
{
    public string Preset { get; init; } = "tiny";
    public int ImageSize { get; init; } = 320;
    /// <summary>A non-square W×H canvas instead of <see cref="ImageSize"/>² (e.g. 1344×800, the r50 recipe's
    /// padded 1333×800): measured by <see cref="CanvasStepProbe"/> (the trainer's step code on rendered
    /// synthetic images, without the data loader).</summary>
    public (int Width, int Height)? Canvas { get; init; }
    public int BatchSize { get; init; } = 8;
    /// <summary>Measured iterations; one more (the first, warm-up) runs and is excluded.</summary>
    public int Steps { get; init; } = 10;
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);
    /// <summary>ATSS (warm-up epochs) instead of TAL.</summary>
    public bool Atss { get; init; }
    public string Device { get; init; } = "cpu";
}

/// <summary>Mean seconds per measured iteration, each phase's share of the step, host reads and memory.</summary>
public sealed record TrainBenchReport(string Preset, string Canvas, int Batch, string Assigner, int Workers, int Steps,
    IReadOnlyDictionary<string, double> MeanMs, IReadOnlyDictionary<string, double> Share, double ImagesPerSecond,
    double HostReadsPerStep, IReadOnlyDictionary<string, double?> MemoryMb)
{
    public static readonly string[] Phases = ["data_wait", "forward", "assign", "loss", "backward", "optimizer", "other"];

    /// <summary>Keys of <see cref="MemoryMb"/>: process peak RSS (whole run, the epoch-end checkpoint included), peak
    /// RSS over the measured steps (high-water mark reset after the warm-up step, read after the last step), the anonymous and file-backed (code) parts of the RSS and glibc
    /// malloc's bytes in use / held from the kernel, sampled every 25 ms during the measured steps (maxima), and the
    /// .NET GC heap's committed bytes as of the last collection (see <see cref="MemorySampler"/>).</summary>
    public static readonly string[] MemoryKeys = ["peak_rss", "peak_rss_steps", "rss_anon_peak", "rss_file_peak", "malloc_in_use_peak", "malloc_held_peak", "managed_committed"];

    public double AssignShare => Share["assign"];
    public double DataWaitShare => Share["data_wait"];

    public string ToTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"tood-train bench-train: preset {Preset}, {Canvas}, batch {Batch}, {Assigner}, {Workers} loader workers, {Steps} measured steps (+1 warm-up)"));
        sb.AppendLine("phase          ms/step   share");
        foreach (var p in Phases) sb.AppendLine(string.Create(inv, $"{p,-12} {MeanMs[p],9:0.0} {100 * Share[p],6:0.0}%"));
        sb.AppendLine(string.Create(inv, $"{"step",-12} {MeanMs["total"],9:0.0}  100.0%   ({ImagesPerSecond:0.00} images/s)"));
        sb.AppendLine(string.Create(inv, $"assignment share {100 * AssignShare:0.0}%, data-wait share {100 * DataWaitShare:0.0}%, host reads {HostReadsPerStep:0.00}/step"));
        sb.AppendLine("memory (MB): " + string.Join(", ", MemoryKeys.Select(k => string.Create(inv, $"{k} {(MemoryMb[k] is { } v ? v.ToString("0", inv) : "n/a")}"))));
        return sb.ToString();
    }
}

/// <summary>
/// Times real training iterations: the <see cref="Trainer"/> itself (its <see cref="Trainer.StepTimed"/>
/// hook) over a synthetic shapes dataset written to a temp dir and read by the real DataLoader, or, for a
/// non-square <see cref="TrainBenchOptions.Canvas"/>, <see cref="CanvasStepProbe"/>.
/// One epoch of (steps + 1) batches; the first iteration (allocator/JIT warm-up) is excluded.
/// </summary>
public static class TrainStepBench
{
    public static async Task<TrainBenchReport> RunAsync(TrainBenchOptions o, TextWriter? log = null, CancellationToken ct = default)
    {
        if (o.Steps < 1) throw new Tood.CommandLine.UsageException($"--steps must be ≥ 1, got {o.Steps}");
        using var memory = new MemorySampler();
        List<StepTiming> timings;
        if (o.Canvas is { } canvas)
        {
            timings = CanvasStepProbe.Run(o, canvas.Width, canvas.Height, memory.StartMeasured, ct);
            memory.EndMeasured();
        }
        else
        {
            timings = [];
            var dir = Directory.CreateTempSubdirectory("tood-bench-train-").FullName;
            try
            {
                var data = Path.Combine(dir, "data");
                new SynthGenerator(seed: 1, o.ImageSize, o.ImageSize).WriteDataset(data, (o.Steps + 1) * o.BatchSize);
                var trainer = new Trainer(new TrainOptions
                {
                    TrainAnnotations = Path.Combine(data, "annotations.json"),
                    TrainImages = Path.Combine(data, "images"),
                    RunDir = Path.Combine(dir, "run"),
                    Preset = o.Preset,
                    Epochs = 1,
                    BatchSize = o.BatchSize,
                    ImageSize = o.ImageSize,
                    Device = o.Device,
                    WarmupEpochs = o.Atss ? 1 : 0,
                    Workers = o.Workers,
                    LogEvery = int.MaxValue,
                }, log ?? TextWriter.Null)
                {
                    StepTimed = t =>
                    {
                        timings.Add(t);
                        if (timings.Count == 1) memory.StartMeasured();
                        if (timings.Count == o.Steps + 1) memory.EndMeasured();   // before the epoch-end checkpoint
                    },
                };
                await trainer.RunAsync(ct);
            }
            finally
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }
        var mem = memory.Report();
        var measured = timings.Skip(1).ToList();
        if (measured.Count == 0) throw new InvalidOperationException("no measured step (dataset smaller than expected)");

        var mean = MeanSeconds(measured);
        var share = TrainBenchReport.Phases.ToDictionary(p => p, p => mean[p] / mean["total"]);
        var ms = mean.ToDictionary(kv => kv.Key, kv => kv.Value * 1000);
        string canvasName = o.Canvas is { } c ? $"{c.Width}x{c.Height}" : $"{o.ImageSize}x{o.ImageSize}";
        return new TrainBenchReport(o.Preset, canvasName, o.BatchSize, o.Atss ? "atss" : "tal", o.Canvas is null ? o.Workers : 0, measured.Count, ms, share,
            o.BatchSize / mean["total"], measured.Average(t => (double)t.HostReads), mem);
    }

    private static Dictionary<string, double> MeanSeconds(List<StepTiming> steps) => new()
    {
        ["data_wait"] = steps.Average(t => t.DataWait),
        ["forward"] = steps.Average(t => t.Forward),
        ["assign"] = steps.Average(t => t.Assign),
        ["loss"] = steps.Average(t => t.Loss),
        ["backward"] = steps.Average(t => t.Backward),
        ["optimizer"] = steps.Average(t => t.Optimizer),
        ["other"] = steps.Average(t => t.Other),
        ["total"] = steps.Average(t => t.Total),
    };
}
