using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Tood.Realtime.Inference;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// What every stage of one <see cref="PipelineRun"/> shares, passed down (no stage calls back up into
/// <see cref="VideoPipeline"/>): the two ways a run ends early — <see cref="StopToken"/> (graceful: captures end,
/// frames in flight are finished) and <see cref="AbortToken"/> (a stage failed or "stop now": every stage ends and
/// what it holds is released) — the streams, the run-wide counters and the latency of rendered frames.
/// </summary>
internal sealed class RunContext : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly CancellationTokenSource _abort = new();
    private long _dropped, _frames, _detections, _runs, _batchedFrames;

    /// <param name="stop">the graceful stop, owned by the pipeline (a stop may be requested before the run starts).</param>
    public RunContext(InferenceEngine engine, IReadOnlyList<PipelineStream> streams, bool live, CancellationTokenSource stop, ILoggerFactory loggerFactory)
    {
        Engine = engine; Streams = streams; Live = live; _stop = stop; LoggerFactory = loggerFactory;
    }

    public InferenceEngine Engine { get; }
    public IReadOnlyList<PipelineStream> Streams { get; }
    /// <summary>Live mode: capture never waits, a model run takes the newest frame of each stream.</summary>
    public bool Live { get; }
    public ILoggerFactory LoggerFactory { get; }
    /// <summary>Time since the run started (frame rates, progress).</summary>
    public Stopwatch Wall { get; } = new();
    /// <summary>Capture → overlay drawn, over every stream.</summary>
    public LatencyStats Latency { get; } = new();

    public CancellationToken StopToken => _stop.Token;
    public CancellationToken AbortToken => _abort.Token;
    public bool Stopped => _stop.IsCancellationRequested;
    /// <summary>The run was stopped now (<see cref="StopNow"/>), not failed: its abort is not an error.</summary>
    public bool AbortedNow { get; private set; }

    public void RequestStop() { try { _stop.Cancel(); } catch (ObjectDisposedException) { } }

    /// <summary>Aborts every stage (a stage or a capture failed): what they hold is released.</summary>
    public void Abort() { try { _abort.Cancel(); } catch (ObjectDisposedException) { } }

    /// <summary>The user's "stop now": capture ends and every stage is aborted; the outputs are still finalised.</summary>
    public void StopNow()
    {
        AbortedNow = true;
        RequestStop();
        Abort();
    }

    public long Dropped => Interlocked.Read(ref _dropped);
    public long Frames => Interlocked.Read(ref _frames);
    public long Detections => Interlocked.Read(ref _detections);
    public long ModelRuns => Interlocked.Read(ref _runs);
    public long BatchedFrames => Interlocked.Read(ref _batchedFrames);

    /// <summary>A live frame replaced by a newer one before a model run took it.</summary>
    public void CountDropped(FrameEnvelope frame)
    {
        Streams[frame.Stream].CountDropped();
        Interlocked.Increment(ref _dropped);
    }

    public void CountRun(int frames)
    {
        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _batchedFrames, frames);
    }

    public void CountWritten(int detections)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _detections, detections);
    }

    /// <summary>Runs a stage's <paramref name="loop"/> on the pool; completes <paramref name="output"/> when it ends and
    /// aborts the run when it fails (the failure completes the output, so the next stage ends too).</summary>
    public Task RunWorker<TOut>(ChannelWriter<TOut>? output, Func<CancellationToken, Task> loop) => Task.Run(async () =>
    {
        var ct = AbortToken;
        try
        {
            await loop(ct);
            output?.TryComplete();
        }
        catch (Exception e)
        {
            output?.TryComplete(e);
            if (e is not OperationCanceledException || !ct.IsCancellationRequested) Abort();
            throw;
        }
    }, CancellationToken.None);

    /// <summary>Releases an item a stage could not hand on: frames are disposed, batches return their model slot.</summary>
    public void Release(object? item)
    {
        switch (item)
        {
            case FrameEnvelope env: env.Dispose(); break;
            case FrameBatch b: b.Release(Engine); break;
            case Task<FrameBatch> { IsCompletedSuccessfully: true } run: run.Result.Release(Engine); break;
        }
    }

    /// <summary>After an abort: releases what is still queued in <paramref name="reader"/>. A queued model run is waited
    /// for (runs are synchronous and bounded); a faulted one released its batch itself.</summary>
    public void Drain<T>(ChannelReader<T> reader)
    {
        while (reader.TryRead(out var item))
        {
            if (item is Task<FrameBatch> run)
            {
                try { run.GetAwaiter().GetResult(); }
                catch (Exception) { continue; } // the stage error is reported
            }
            Release(item);
        }
    }

    /// <summary>A bounded channel that waits when full (file mode's backpressure).</summary>
    /// <param name="singleWriter">false when several captures (one per source) write to the channel.</param>
    public static Channel<T> Bounded<T>(int capacity, bool singleWriter = true) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = singleWriter });

    public void Dispose() => _abort.Dispose();
}
