using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Tood.Realtime.Inference;
using Tood.Realtime.Rendering;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// capture → preprocess → batch → infer → postprocess → render → sinks, stages connected by bounded channels
/// (one worker per stage, so frame order is preserved). File mode: every channel waits when full
/// (backpressure, no frame lost). Live mode: the capture channel holds one frame and drops the oldest
/// (the dropped frame is disposed and counted), so capture never blocks and latency stays bounded.
/// Cancelling the token stops capture gracefully: frames already captured are finished and written,
/// and the sinks are finalised (the mp4 plays) — also when a stage fails.
/// </summary>
public sealed class VideoPipeline
{
    private readonly Detector _detector;
    private readonly VideoPipelineOptions _options;
    private readonly IFrameSource? _externalSource;
    private readonly CancellationTokenSource _stop = new();
    private long _dropped, _captured;

    public VideoPipeline(Detector detector, VideoPipelineOptions options, IFrameSource? source = null)
    {
        options.Validate();
        if (options.Batch > detector.Options.MaxBatch)
            throw new ArgumentException($"--batch {options.Batch} exceeds the detector's MaxBatch {detector.Options.MaxBatch}", nameof(options));
        _detector = detector; _options = options; _externalSource = source;
    }

    /// <summary>Frames dropped so far (live mode).</summary>
    public long DroppedFrames => Interlocked.Read(ref _dropped);

    /// <summary>Stops capturing; frames in flight are still processed and written.</summary>
    public void RequestStop() { try { _stop.Cancel(); } catch (ObjectDisposedException) { } }

    /// <summary>Opens the source named in the options (file/URL or camera).</summary>
    public static IFrameSource OpenSource(VideoPipelineOptions options) =>
        options.CameraIndex is { } cam ? VideoCaptureSource.OpenCamera(cam)
        : VideoCaptureSource.OpenFile(options.Source ?? throw new ArgumentException("no source: set Source or CameraIndex", nameof(options)));

    public async Task<RunSummary> RunAsync(CancellationToken cancellationToken = default)
    {
        var source = _externalSource ?? OpenSource(_options);
        try
        {
            var sinks = CreateSinks(source);
            try { return await RunStagesAsync(source, sinks, cancellationToken); }
            finally { foreach (var s in sinks) s.Dispose(); }
        }
        finally
        {
            if (_externalSource is null) source.Dispose();
        }
    }

    private List<IFrameSink> CreateSinks(IFrameSource source)
    {
        var sinks = new List<IFrameSink>();
        try
        {
            if (_options.OutputVideo is { } o) sinks.Add(new VideoFileSink(o, source.Width, source.Height, source.Fps / _options.VidStride));
            if (_options.JsonlPath is { } j) sinks.Add(new JsonlSink(j));
            if (_options.CsvPath is { } c) sinks.Add(new CsvSink(c));
            if (_options.Show) sinks.Add(new WindowSink($"tood-live - {source.Description}", RequestStop, new OverlayRenderer(_options.LineWidth)));
            return sinks;
        }
        catch
        {
            foreach (var s in sinks) { s.Abort(); s.Dispose(); }
            throw;
        }
    }

    private async Task<RunSummary> RunStagesAsync(IFrameSource source, List<IFrameSink> sinks, CancellationToken userToken)
    {
        bool live = _options.Live ?? source.IsLive;
        int cap = live ? 1 : _options.QueueCapacity;
        int batch = _options.Batch;
        var engine = _detector.Engine;
        using var userReg = userToken.Register(RequestStop);
        using var abort = new CancellationTokenSource();
        using var pool = new FrameBufferPool(cap + batch + 2, engine.Model.InputWidth, engine.Model.InputHeight);

        var captured = live
            ? Channel.CreateBounded<FrameEnvelope>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                dropped => { dropped.Dispose(); Interlocked.Increment(ref _dropped); })
            : Channel.CreateBounded<FrameEnvelope>(new BoundedChannelOptions(cap) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        var prepared = Bounded<FrameEnvelope>(cap);
        var batches = Bounded<FrameBatch>(live ? 1 : 2);
        // Runs in flight complete out of order; the channel carries them in submission order, so the
        // postprocess stage (awaiting each in turn) keeps frame order with any number of concurrent runs.
        int runs = engine.ConcurrentRuns;
        var inferred = Bounded<Task<FrameBatch>>(live ? runs : runs + 1);
        using var runSlots = new SemaphoreSlim(runs, runs);
        using var runners = new RunnerThreads(runs, "tood-infer");
        var decoded = Bounded<FrameEnvelope>(cap);
        var rendered = Bounded<FrameEnvelope>(cap);

        var clocks = new StageClock[7];
        for (int i = 0; i < clocks.Length; i++) clocks[i] = new StageClock();
        var latency = new LatencyStats();
        long frames = 0, detections = 0, rendersDone = 0;
        var wall = Stopwatch.StartNew();
        var renderer = new OverlayRenderer(_options.LineWidth);

        var tasks = new[]
        {
            Task.Factory.StartNew(() => Capture(source, captured.Writer, live, clocks[0], abort), abort.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default),
            Stage(captured, prepared.Writer, abort, async (env, ct) =>
            {
                var buf = await pool.RentAsync(ct);
                long t = Stopwatch.GetTimestamp();
                env.Buffer = buf; env.Pool = pool;
                env.Letterbox = buf.Target.Write(env.Frame);
                clocks[1].Add(t);
                await prepared.Writer.WriteAsync(env, ct);
            }),
            BatchStage(prepared.Reader, batches.Writer, batch, !live, engine, clocks[2], abort),
            Stage(batches, inferred.Writer, abort, async (b, ct) =>
            {
                await runSlots.WaitAsync(ct);
                var run = runners.Run(() =>
                {
                    try
                    {
                        long t = Stopwatch.GetTimestamp();
                        engine.Run(b.Slot);
                        clocks[3].Add(t);
                        return b;
                    }
                    catch { b.Release(engine); throw; }   // a faulted run has released its batch
                    finally { runSlots.Release(); }
                });
                try { await inferred.Writer.WriteAsync(run, ct); }
                catch
                {
                    // Not handed on: release the batch once its run has finished with the slot.
                    _ = run.ContinueWith(r => b.Release(engine), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                    throw;
                }
            }),
            Stage(inferred, decoded.Writer, abort, async (run, ct) =>
            {
                var b = await run;
                long t = Stopwatch.GetTimestamp();
                for (int i = 0; i < b.Frames.Length; i++)
                {
                    var env = b.Frames[i]!;
                    _detector.Decode(b.Slot, i, env.Letterbox, env.Frame.Width, env.Frame.Height, env.Detections);
                }
                b.ReturnSlot(engine);
                clocks[4].Add(t);
                for (int i = 0; i < b.Frames.Length; i++)
                {
                    await decoded.Writer.WriteAsync(b.Frames[i]!, ct);
                    b.Frames[i] = null; // handed on
                }
            }),
            Stage(decoded, rendered.Writer, abort, async (env, ct) =>
            {
                long t = Stopwatch.GetTimestamp();
                double fps = rendersDone > 0 ? rendersDone / wall.Elapsed.TotalSeconds : 0;
                string? status = _options.DrawStatus || _options.Show
                    ? string.Create(CultureInfo.InvariantCulture, $"FPS {fps:0.0}  latency {Ms(Stopwatch.GetTimestamp() - env.CaptureTimestamp):0} ms{(live ? $"  dropped {DroppedFrames}" : "")}")
                    : null;
                // Burnt in only when asked (--status); otherwise the window draws it on its own copy.
                renderer.Draw(env.Frame, env.Detections, _options.DrawStatus ? status : null);
                env.Status = _options.DrawStatus ? null : status;
                clocks[5].Add(t);
                latency.Add(Ms(Stopwatch.GetTimestamp() - env.CaptureTimestamp)); // capture → render
                rendersDone++;
                await rendered.Writer.WriteAsync(env, ct);
            }),
            Stage(rendered, null, abort, (env, ct) =>
            {
                long t = Stopwatch.GetTimestamp();
                var pf = new ProcessedFrame(env.Index, env.TimeSeconds, env.Frame, env.Detections, env.Status);
                foreach (var s in sinks) s.Write(pf);
                clocks[6].Add(t);
                frames++;
                detections += env.Detections.Count;
                env.Dispose();
                _options.Progress?.Report(new PipelineProgress(frames, source.FrameCount is { } n ? (n + _options.VidStride - 1) / _options.VidStride : null,
                    frames / wall.Elapsed.TotalSeconds, wall.Elapsed.TotalSeconds, DroppedFrames));
                return ValueTask.CompletedTask;
            }),
        };

        try { await Task.WhenAll(tasks); }
        catch
        {
            // A stage failed: the others were aborted. Release what is still queued, then report the first real error.
            Drain(captured.Reader); Drain(prepared.Reader); Drain(decoded.Reader); Drain(rendered.Reader);
            DrainBatches(batches.Reader, engine); DrainRuns(inferred.Reader, engine);
            var error = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(e => e is not OperationCanceledException);
            if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
            throw;
        }
        finally
        {
            foreach (var s in sinks) s.Complete();
        }
        wall.Stop();

        long capturedCount = Interlocked.Read(ref _captured);
        return new RunSummary(frames, capturedCount, DroppedFrames, wall.Elapsed.TotalSeconds,
            frames / Math.Max(wall.Elapsed.TotalSeconds, 1e-9),
            new StageTimes(clocks[0].MsPer(capturedCount), clocks[1].MsPer(frames), clocks[2].MsPer(frames), clocks[3].MsPer(frames),
                clocks[4].MsPer(frames), clocks[5].MsPer(frames), clocks[6].MsPer(frames)),
            latency.Mean, latency.P95, latency.Max, detections, _stop.IsCancellationRequested, _detector.Device.ToString());
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static Channel<T> Bounded<T>(int capacity) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });

    /// <summary>Blocking producer on its own thread (VideoCapture.Read blocks). Live: TryWrite never blocks (drop-oldest).</summary>
    private void Capture(IFrameSource source, ChannelWriter<FrameEnvelope> writer, bool live, StageClock clock, CancellationTokenSource abort)
    {
        try
        {
            double fps = source.Fps > 0 && double.IsFinite(source.Fps) ? source.Fps : 30;
            long start = Stopwatch.GetTimestamp();
            for (long index = 0; !_stop.IsCancellationRequested && !abort.IsCancellationRequested; index++)
            {
                long t = Stopwatch.GetTimestamp();
                if (index % _options.VidStride != 0)
                {
                    if (!source.Skip()) break;
                    continue;
                }
                var frame = source.Read();
                if (frame is null) break;
                long now = Stopwatch.GetTimestamp();
                clock.Add(t);
                Interlocked.Increment(ref _captured);
                var env = new FrameEnvelope(index, live ? Ms(now - start) / 1000 : index / fps, now, frame);
                if (live)
                {
                    writer.TryWrite(env); // DropOldest: always accepted; a stale queued frame is disposed and counted
                    continue;
                }
                while (!writer.TryWrite(env))
                {
                    if (!writer.WaitToWriteAsync(abort.Token).AsTask().GetAwaiter().GetResult()) { env.Dispose(); return; }
                }
            }
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
            abort.Cancel();
            throw;
        }
    }

    /// <summary>One worker reading <paramref name="input"/> in order; on failure aborts the whole pipeline.</summary>
    private Task Stage<TIn, TOut>(Channel<TIn> input, ChannelWriter<TOut>? output, CancellationTokenSource abort, Func<TIn, CancellationToken, ValueTask> body)
        where TIn : class => Task.Run(async () =>
    {
        var ct = abort.Token;
        try
        {
            await foreach (var item in input.Reader.ReadAllAsync(ct))
            {
                try { await body(item, ct); }
                catch { DisposeItem(item); throw; }
            }
            output?.TryComplete();
        }
        catch (Exception e)
        {
            output?.TryComplete(e);
            if (e is not OperationCanceledException || !ct.IsCancellationRequested) abort.Cancel();
            throw;
        }
    }, CancellationToken.None);

    private Task Stage<TIn>(Channel<TIn> input, ChannelWriter<object>? output, CancellationTokenSource abort, Func<TIn, CancellationToken, ValueTask> body)
        where TIn : class => Stage<TIn, object>(input, output, abort, body);

    private Task BatchStage(ChannelReader<FrameEnvelope> input, ChannelWriter<FrameBatch> output, int batch, bool fill,
                                   InferenceEngine engine, StageClock clock, CancellationTokenSource abort) => Task.Run(async () =>
    {
        var ct = abort.Token;
        var items = new List<FrameEnvelope>(batch);
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
            output.TryComplete();
        }
        catch (Exception e)
        {
            foreach (var env in items) env.Dispose();
            output.TryComplete(e);
            if (e is not OperationCanceledException || !ct.IsCancellationRequested) abort.Cancel();
            throw;
        }
    }, CancellationToken.None);

    private void DisposeItem(object? item)
    {
        switch (item)
        {
            case FrameEnvelope env: env.Dispose(); break;
            case FrameBatch b: b.Release(_detector.Engine); break;
            case Task<FrameBatch> { IsCompletedSuccessfully: true } run: run.Result.Release(_detector.Engine); break;
        }
    }

    private static void Drain(ChannelReader<FrameEnvelope> reader)
    {
        while (reader.TryRead(out var env)) env.Dispose();
    }

    private static void DrainBatches(ChannelReader<FrameBatch> reader, InferenceEngine engine)
    {
        while (reader.TryRead(out var b)) b.Release(engine);
    }

    /// <summary>Runs still queued: wait for each (Run is synchronous and bounded), then release its batch.</summary>
    private static void DrainRuns(ChannelReader<Task<FrameBatch>> reader, InferenceEngine engine)
    {
        while (reader.TryRead(out var run))
        {
            try { run.GetAwaiter().GetResult().Release(engine); }
            catch (Exception) { } // a faulted run released its batch itself; the stage error is reported
        }
    }
}
