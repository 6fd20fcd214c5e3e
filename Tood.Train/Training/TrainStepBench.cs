using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Tood.Train.Data.Synth;

namespace Tood.Train.Training;

/// <summary>Options of <c>tood-train bench-train</c>.</summary>
public sealed record TrainBenchOptions
{
    public string Preset { get; init; } = "tiny";
    public int ImageSize { get; init; } = 320;
    public int BatchSize { get; init; } = 8;
    /// <summary>Measured iterations; one more (the first, warm-up) runs and is excluded.</summary>
    public int Steps { get; init; } = 10;
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);
    /// <summary>ATSS (warm-up epochs) instead of TAL.</summary>
    public bool Atss { get; init; }
    public string Device { get; init; } = "cpu";
}

/// <summary>Mean seconds per measured iteration and each phase's share of the step.</summary>
public sealed record TrainBenchReport(
    [property: JsonPropertyName("preset")] string Preset,
    [property: JsonPropertyName("imgsz")] int ImageSize,
    [property: JsonPropertyName("batch")] int Batch,
    [property: JsonPropertyName("assigner")] string Assigner,
    [property: JsonPropertyName("workers")] int Workers,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("mean_ms")] IReadOnlyDictionary<string, double> MeanMs,
    [property: JsonPropertyName("share")] IReadOnlyDictionary<string, double> Share,
    [property: JsonPropertyName("images_per_second")] double ImagesPerSecond,
    [property: JsonPropertyName("grad_retries")] int GradRetries,
    [property: JsonPropertyName("single_attempt_steps")] int SingleAttemptSteps,
    [property: JsonPropertyName("single_attempt_mean_ms")] IReadOnlyDictionary<string, double>? SingleAttemptMeanMs)
{
    public static readonly string[] Phases = ["data_wait", "forward", "assign", "loss", "backward", "grad_check", "optimizer", "other"];

    [JsonPropertyName("assign_share")] public double AssignShare => Share["assign"];
    [JsonPropertyName("data_wait_share")] public double DataWaitShare => Share["data_wait"];

    public string ToTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"tood-train bench-train: preset {Preset}, {ImageSize}px, batch {Batch}, {Assigner}, {Workers} loader workers, {Steps} measured steps (+1 warm-up)"));
        sb.AppendLine("phase          ms/step   share");
        foreach (var p in Phases) sb.AppendLine(string.Create(inv, $"{p,-12} {MeanMs[p],9:0.0} {100 * Share[p],6:0.0}%"));
        sb.AppendLine(string.Create(inv, $"{"step",-12} {MeanMs["total"],9:0.0}  100.0%   ({ImagesPerSecond:0.00} images/s, {GradRetries} non-finite-gradient re-runs)"));
        sb.AppendLine(string.Create(inv, $"assignment share {100 * AssignShare:0.0}%, data-wait share {100 * DataWaitShare:0.0}%"));
        if (GradRetries > 0 && SingleAttemptMeanMs is { } c)
            sb.AppendLine(string.Create(inv, $"steps without a re-run ({SingleAttemptSteps}): {string.Join(", ", Phases.Append("total").Select(p => $"{p} {c[p]:0.0}"))} ms"));
        return sb.ToString();
    }
}

/// <summary>
/// Times real training iterations: the <see cref="Trainer"/> itself (its <see cref="Trainer.StepTimed"/>
/// hook) over a synthetic shapes dataset written to a temp dir and read by the real DataLoader.
/// One epoch of (steps + 1) batches; the first iteration (allocator/JIT warm-up) is excluded.
/// </summary>
public static class TrainStepBench
{
    public static async Task<TrainBenchReport> RunAsync(TrainBenchOptions o, TextWriter? log = null, CancellationToken ct = default)
    {
        if (o.Steps < 1) throw new Tood.CommandLine.UsageException($"--steps must be ≥ 1, got {o.Steps}");
        var dir = Directory.CreateTempSubdirectory("tood-bench-train-").FullName;
        try
        {
            var data = Path.Combine(dir, "data");
            new SynthGenerator(seed: 1, o.ImageSize, o.ImageSize).WriteDataset(data, (o.Steps + 1) * o.BatchSize);
            var timings = new List<StepTiming>();
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
            }, log ?? TextWriter.Null) { StepTimed = timings.Add };
            await trainer.RunAsync(ct);
            var measured = timings.Skip(1).ToList();
            if (measured.Count == 0) throw new InvalidOperationException("no measured step (dataset smaller than expected)");

            var mean = MeanSeconds(measured);
            var share = TrainBenchReport.Phases.ToDictionary(p => p, p => mean[p] / mean["total"]);
            var ms = mean.ToDictionary(kv => kv.Key, kv => kv.Value * 1000);
            // Steps re-run after non-finite gradients (Trainer's retry) count forward+backward twice; report the clean ones too.
            var clean = measured.Where(t => t.Attempts == 1).ToList();
            var cleanMs = clean.Count == 0 ? null : MeanSeconds(clean).ToDictionary(kv => kv.Key, kv => kv.Value * 1000);
            return new TrainBenchReport(o.Preset, o.ImageSize, o.BatchSize, o.Atss ? "atss" : "tal", o.Workers, measured.Count, ms, share,
                o.BatchSize / mean["total"], measured.Sum(t => t.Attempts - 1), clean.Count, cleanMs);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static Dictionary<string, double> MeanSeconds(List<StepTiming> steps) => new()
    {
        ["data_wait"] = steps.Average(t => t.DataWait),
        ["forward"] = steps.Average(t => t.Forward),
        ["assign"] = steps.Average(t => t.Assign),
        ["loss"] = steps.Average(t => t.Loss),
        ["backward"] = steps.Average(t => t.Backward),
        ["grad_check"] = steps.Average(t => t.GradCheck),
        ["optimizer"] = steps.Average(t => t.Optimizer),
        ["other"] = steps.Average(t => t.Other),
        ["total"] = steps.Average(t => t.Total),
    };
}
