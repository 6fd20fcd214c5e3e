using System.Diagnostics;
using System.Globalization;
using Tood.Train.Data;
using Tood.Train.Loss;
using Tood.Train.Model;

namespace Tood.Train.Training;

// One epoch's batches: micro-batches grouped into optimizer steps, the save-every checkpoint and the progress lines.
public sealed partial class Trainer
{
    private static EpochState BeginEpoch(TrainRun run, int epoch)
    {
        var mode = run.Handover.ModeFor(epoch);
        run.Runner.MeasureAlignment = run.Handover.Measures(epoch);
        // A mid-epoch checkpoint resumes at its next batch (the loader's order is a function of seed and epoch).
        int first = epoch == run.StartEpoch ? run.StartIteration : 0;
        return new EpochState(epoch, mode, run.Device, first, run.Schedule.At(run.Step, epoch));
    }

    private async Task RunBatchesAsync(TrainRun run, EpochState state, CancellationToken ct)
    {
        run.Model.zero_grad();
        state.StepStart = Stopwatch.GetTimestamp();
        var pending = new List<Batch>();
        try
        {
            await foreach (var batch in run.Loader.ReadEpochAsync(state.Epoch, state.Iteration, ct))
            {
                pending.Add(batch);
                // ATSS assigns the whole group before its first forward (the normalisers need every image).
                if (state.Mode == AssignMode.Atss && !run.Groups.EndsGroup(state.Iteration + pending.Count - 1)) continue;
                foreach (var micro in pending) RunIteration(run, state, micro, pending, ct);
                foreach (var b in pending) b.Dispose();
                pending.Clear();
            }
        }
        finally
        {
            foreach (var b in pending) b.Dispose();
        }
        if (run.Interactive) _log.WriteLine();
        state.Seconds = state.Timer.Elapsed.TotalSeconds;
    }

    /// <summary>One micro-batch; the group it ends (if any) steps the optimizer.</summary>
    /// <param name="group">The group's batches so far (ATSS: the whole group, assigned when it begins).</param>
    private void RunIteration(TrainRun run, EpochState state, Batch micro, List<Batch> group, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        state.WaitSum += micro.WaitSeconds;
        long syncsBefore = Reads.Count;
        double tAssign = 0, tOptim = 0;
        if (state.Iteration % Options.Accumulate == 0)
            tAssign += run.Runner.BeginGroup(state.Mode, run.Groups.SizeOf(state.Iteration), group).TotalSeconds;
        int e = state.Epoch, i = state.Iteration;
        var context = string.Create(CultureInfo.InvariantCulture, $"epoch {e + 1}, iteration {i + 1} (step {run.Step}); batch image ids: {string.Join(' ', micro.ImageIds)}");
        var t = run.Runner.RunMicro(micro, context, state.Monitor, LossHook is null ? null : total => LossHook(e, i, total));
        int it = ++state.Iteration;
        run.ItersDoneThisRun++;
        state.LogDue |= it % Options.LogEvery == 0 || it == run.Groups.Batches;
        if (run.Groups.EndsGroup(it - 1)) tOptim = EndGroup(run, state);
        AfterIteration?.Invoke(e, it, run.Step);
        long stepEnd = Stopwatch.GetTimestamp();
        StepTimed?.Invoke(new StepTiming(e, it, micro.WaitSeconds, t.Forward, t.Assign + tAssign, t.Loss, t.Backward, tOptim,
            Seconds(stepEnd - state.StepStart), Reads.Count - syncsBefore));
        state.StepStart = stepEnd;
    }

    /// <summary>The optimizer step that ends a group, the save-every checkpoint and the progress line; returns the
    /// seconds of the step and the checkpoint (<see cref="StepTiming.Optimizer"/>).</summary>
    private double EndGroup(TrainRun run, EpochState state)
    {
        long t0 = Stopwatch.GetTimestamp();
        state.Lr = run.Schedule.At(run.Step, state.Epoch);
        run.Runner.EndGroup(state.Lr, state.Monitor);
        run.Step++;
        run.Ema?.Update(run.Step);
        if (Options.SaveEvery is { } every && run.Step % every == 0 && state.Iteration < run.Groups.Batches)
            run.SaveLast(run.Meta(state.Epoch) with { EpochIterations = state.Iteration });
        double seconds = Seconds(Stopwatch.GetTimestamp() - t0);
        if (run.Interactive || state.LogDue)
        {
            WriteProgress(run, state);
            state.LogDue = false;
        }
        return seconds;
    }

    private void WriteProgress(TrainRun run, EpochState state)
    {
        var r = state.Monitor.Read(Reads);
        double elapsed = state.Timer.Elapsed.TotalSeconds;
        ThrowIfNonFinite(r, run.LastPath);
        var o = Options;
        int it = state.Iteration, batches = run.Groups.Batches;
        double ips = it / Math.Max(1e-9, elapsed);
        long remaining = (long)(o.Epochs - state.Epoch - 1) * batches + (batches - it);
        var eta = TimeSpan.FromSeconds(remaining / Math.Max(1e-9, ips));
        bool hasCtr = run.Model.Head == HeadKind.Parallel;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"epoch {state.Epoch + 1}/{o.Epochs} iter {it}/{batches} [{state.ModeName}] loss {r.Total:F4} (cls {r.Cls:F4} bbox {r.Bbox:F4}{(hasCtr ? $" ctr {r.Centerness:F4}" : "")}) pos {r.Positives:F1} lr {state.Lr:G4} {ips:F2} it/s data {100 * state.WaitSum / Math.Max(1e-9, elapsed):F0}% ETA {eta:hh\\:mm\\:ss}");
        if (run.Interactive) _log.Write("\r" + line.PadRight(150));
        else _log.WriteLine(line);
    }
}
