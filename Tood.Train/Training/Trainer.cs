using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>Outcome of <see cref="Trainer.RunAsync"/>.</summary>
public sealed record TrainResult(int EpochsDone, long Steps, double? BestAp, IReadOnlyList<EpochMetrics> Metrics);

/// <summary>
/// The training loop (spec §5, §10 items 8–9): SGD (momentum 0.9, wd 1e-4), linear warm-up + step/cosine
/// LR (<see cref="LrSchedule"/>), ATSS for the first <see cref="TrainOptions.WarmupEpochs"/> epochs then
/// TAL (mode chosen from the epoch at the start of every epoch, P4), gradient accumulation, optional
/// clipping, fp32 (P3). After every epoch: RUNDIR/last.ckpt (weights + optimizer + progress), validation
/// COCO mAP → RUNDIR/best.ckpt, a metrics.csv row and curves.png. A non-finite loss stops with
/// <see cref="NonFiniteLossException"/> before backward, so the last checkpoint stays good.
/// Set-up: <see cref="TrainRun"/>; an epoch's batches: Trainer.EpochLoop.cs; its end: Trainer.EpochEnd.cs.
/// </summary>
public sealed partial class Trainer(TrainOptions options, TextWriter? log = null)
{
    public const string LastName = "last.ckpt", BestName = "best.ckpt", MetricsName = "metrics.csv", CurvesName = "curves.png";

    private readonly TextWriter _log = log ?? Console.Error;
    public TrainOptions Options { get; } = options;

    /// <summary>Test hook: called after each iteration with (epoch, iteration in epoch, global step).</summary>
    internal Action<int, int, long>? AfterIteration { get; init; }

    /// <summary>Test hook: may replace the total loss of (epoch, iteration) before the finiteness check.</summary>
    internal Func<int, int, Tensor, Tensor>? LossHook { get; init; }

    /// <summary>Called after each iteration with its phase timings (used by <c>tood-train bench-train</c>).</summary>
    public Action<StepTiming>? StepTimed { get; init; }

    /// <summary>Every device-to-host copy of the step loop goes through here (counted; see <see cref="HostReads"/>).</summary>
    public HostReads Reads { get; } = new();

    public async Task<TrainResult> RunAsync(CancellationToken ct = default)
    {
        Options.Validate();
        using var run = TrainRun.Open(Options, _log);
        for (int epoch = run.StartEpoch; epoch < Options.Epochs; epoch++)
        {
            using var state = BeginEpoch(run, epoch);
            await RunBatchesAsync(run, state, ct);
            await EndEpochAsync(run, state, ct);
        }
        return Finish(run);
    }

    private TrainResult Finish(TrainRun run)
    {
        var o = Options;
        var inv = CultureInfo.InvariantCulture;
        var rows = run.Metrics.Read();
        _log.WriteLine(string.Create(inv, $"done: {o.Epochs} epochs, {run.Step} steps, {run.ItersDoneThisRun} iterations this run in {run.TotalTimer.Elapsed:hh\\:mm\\:ss} ({Reads.Count} host reads); best val AP {(run.Best is null ? "n/a" : run.Best.Value.ToString("F4", inv))}; checkpoints in {o.RunDir}"));
        return new TrainResult(o.Epochs, run.Step, run.Best, rows);
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}
