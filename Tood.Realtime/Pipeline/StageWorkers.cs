using System.Diagnostics;
using System.Threading.Channels;
using Tood.Realtime.Inference;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// The pipeline's stage loops: one worker per stage reading its input channel in order (so frame order is
/// kept), completing its output when the input ends, and on failure releasing what it holds and aborting the
/// whole pipeline. Also the clean-up of channels after an abort.
/// </summary>
internal sealed class StageWorkers(InferenceEngine engine, CancellationTokenSource abort)
{
    /// <param name="singleWriter">false when several captures (one per source) write to the channel.</param>
    public static Channel<T> Bounded<T>(int capacity, bool singleWriter = true) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = singleWriter });

    /// <summary>One worker applying <paramref name="body"/> to each item of <paramref name="input"/>.</summary>
    public Task Stage<TIn, TOut>(Channel<TIn> input, ChannelWriter<TOut>? output, Func<TIn, CancellationToken, ValueTask> body) where TIn : class =>
        Run(output, async ct =>
        {
            await foreach (var item in input.Reader.ReadAllAsync(ct))
            {
                try { await body(item, ct); }
                catch { DisposeItem(item); throw; }
            }
        });

    /// <summary>Runs <paramref name="loop"/>; completes <paramref name="output"/> when it ends, aborts the pipeline when it fails.</summary>
    public Task Run<TOut>(ChannelWriter<TOut>? output, Func<CancellationToken, Task> loop) => Task.Run(async () =>
    {
        var ct = abort.Token;
        try
        {
            await loop(ct);
            output?.TryComplete();
        }
        catch (Exception e)
        {
            output?.TryComplete(e);
            if (e is not OperationCanceledException || !ct.IsCancellationRequested) abort.Cancel();
            throw;
        }
    }, CancellationToken.None);

    /// <summary>File mode: groups letterboxed frames into batches and copies them into an inference slot.</summary>
    public Task BatchStage(ChannelReader<FrameEnvelope> input, ChannelWriter<FrameBatch> output, int batch, bool fill, StageClock clock)
    {
        var items = new List<FrameEnvelope>(batch);
        return Run(output, async ct =>
        {
            try
            {
                while (await ChannelBatcher.ReadBatchAsync(input, batch, fill, items, ct))
                {
                    InferenceSlot slot = await engine.RentAsync(ct);
                    long t = Stopwatch.GetTimestamp();
                    for (int i = 0; i < items.Count; i++)
                    {
                        items[i].Buffer!.Bytes.CopyTo(slot.Image(i));
                        items[i].ReleaseBuffer();
                    }
                    slot.Count = items.Count;
                    clock.Add(t);
                    var fb = new FrameBatch(slot, [.. items]);
                    items.Clear();
                    try { await output.WriteAsync(fb, ct); }
                    catch { DisposeItem(fb); throw; }
                }
            }
            catch
            {
                foreach (var env in items) env.Dispose();
                throw;
            }
        });
    }

    public void DisposeItem(object? item)
    {
        switch (item)
        {
            case FrameEnvelope env: env.Dispose(); break;
            case FrameBatch b: b.Release(engine); break;
            case Task<FrameBatch> { IsCompletedSuccessfully: true } run: run.Result.Release(engine); break;
        }
    }

    public static void Drain(ChannelReader<FrameEnvelope> reader)
    {
        while (reader.TryRead(out var env)) env.Dispose();
    }

    public void DrainBatches(ChannelReader<FrameBatch> reader)
    {
        while (reader.TryRead(out var b)) b.Release(engine);
    }

    /// <summary>Runs still queued: wait for each (Run is synchronous and bounded), then release its batch.</summary>
    public void DrainRuns(ChannelReader<Task<FrameBatch>> reader)
    {
        while (reader.TryRead(out var run))
        {
            try { run.GetAwaiter().GetResult().Release(engine); }
            catch (Exception) { } // a faulted run released its batch itself; the stage error is reported
        }
    }
}
