using System.Globalization;
using Tood.Train.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Training;

// The end of an epoch: the finiteness checks, the hand-over decision, validation, checkpoints, metrics.csv and curves.
public sealed partial class Trainer
{
    private async Task EndEpochAsync(TrainRun run, EpochState state, CancellationToken ct)
    {
        var stats = ReadEpochStats(run, state);
        if (run.Handover.EndEpoch(state.Epoch, StepRunner.AlignmentFrom(stats.Extra)) is { } handoverLine) _log.WriteLine(handoverLine);

        var (ap, ap50) = await ValidateAsync(run, state.Epoch, ct);
        bool isBest = ap is { } a && (run.Best is null || a > run.Best);
        if (isBest) run.Best = ap;

        var meta = run.Meta(state.Epoch + 1);
        run.SaveLast(meta);
        if (isBest) Checkpoint.Save(run.BestPath, run.Evaluated, meta);

        double seconds = state.Seconds;
        var row = new EpochMetrics(state.Epoch, run.Step, state.ModeName, state.Lr,
            stats.Total, stats.Cls, stats.Bbox, run.Model.Head == HeadKind.Parallel ? stats.Centerness : null,
            stats.Positives, state.Iteration / Math.Max(1e-9, seconds), state.WaitSum / Math.Max(1e-9, seconds), seconds, ap, ap50);
        run.Metrics.Append(row);
        CurvePlot.Save(Path.Combine(Options.RunDir, CurvesName), run.Metrics.Read());
    }

    /// <summary>
    /// Before anything is saved: the epoch's means, the watch, and the parameters themselves (a non-finite gradient in
    /// the epoch's last step has no later loss to show up in), in one host read.
    /// </summary>
    private MonitorReading ReadEpochStats(TrainRun run, EpochState state)
    {
        MonitorReading stats;
        using (var finite = ParametersFinite(run.Model))
        using (var alignment = run.Runner.TakeAlignmentSums())
            stats = state.Monitor.Read(Reads, finite, alignment);
        ThrowIfNonFinite(stats, run.LastPath);
        if (!stats.ExtraFlag)
            throw new NonFiniteLossException(string.Create(CultureInfo.InvariantCulture,
                $"non-finite parameters after epoch {state.Epoch + 1} (step {run.Step}): a non-finite gradient in the epoch's last step; last good checkpoint: {(File.Exists(run.LastPath) ? run.LastPath : "none")}"));
        return stats;
    }

    /// <summary>COCO AP and AP50 on the validation set every <see cref="TrainOptions.ValEvery"/> epochs and after the
    /// last; (null, null) on the other epochs or without validation data.</summary>
    private async Task<(double? Ap, double? Ap50)> ValidateAsync(TrainRun run, int epoch, CancellationToken ct)
    {
        var o = Options;
        if (run.Val is null || !((epoch + 1) % o.ValEvery == 0 || epoch + 1 == o.Epochs)) return (null, null);
        var (stats, _) = await Validator.EvaluateAsync(run.Evaluated, run.Val, o.EffectiveImageSize, run.Device, o.BatchSize, o.Workers, ct: ct);
        run.Model.train();
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}: val AP {stats.AP:F4} AP50 {stats.AP50:F4} AP75 {stats.AP75:F4}"));
        return (stats.AP, stats.AP50);
    }

    /// <summary>Device bool scalar: every parameter finite (spec P2/P5); read with the epoch's statistics.</summary>
    private static Tensor ParametersFinite(ToodDetector model)
    {
        using var scope = torch.NewDisposeScope();
        return torch.stack(model.parameters().Select(p => p.isfinite().all()).ToArray()).all().MoveToOuterDisposeScope();
    }

    private static void ThrowIfNonFinite(MonitorReading r, string lastPath)
    {
        if (r.BadContext is null) return;
        throw new NonFiniteLossException(string.Create(CultureInfo.InvariantCulture,
            $"non-finite loss ({r.BadValue}) at {r.BadContext}; last good checkpoint: {(File.Exists(lastPath) ? lastPath : "none")}"));
    }
}
