using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Tood.Realtime.Inference;
using Tood.Realtime.Rendering;
using Tood.Realtime.Sinks;
using Tood.Realtime.Tracking;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Images;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// One run of a <see cref="VideoPipeline"/>: the channels and stage workers between an open source and its sinks.
/// <code>
/// file: capture ─▶ letterbox ─▶ batch ─▶ run slot ─▶ infer ─▶ decode ─▶ render ─▶ sinks
/// live: capture ─▶ (newest frame when a run slot frees) letterbox+infer ─▶ decode ─▶ render ─▶ sinks
/// </code>
/// Model runs complete out of order on dedicated threads; the channel after them carries the run tasks in
/// submission order, so decoding (awaiting each in turn) keeps frame order with any number of concurrent runs.
/// </summary>
internal sealed class PipelineRun
{
    private readonly VideoPipeline _pipeline;
    private readonly Detector _detector;
    private readonly InferenceEngine _engine;
    private readonly VideoPipelineOptions _options;
    private readonly IFrameSource _source;
    private readonly List<IFrameSink> _sinks;
    private readonly bool _live;
    private readonly StageClock[] _clocks = Enumerable.Range(0, 7).Select(_ => new StageClock()).ToArray();
    private readonly LatencyStats _latency = new();
    private long _frames, _detections, _rendered;

    public PipelineRun(VideoPipeline pipeline, Detector detector, VideoPipelineOptions options, IFrameSource source, List<IFrameSink> sinks)
    {
        _pipeline = pipeline; _detector = detector; _engine = detector.Engine; _options = options; _source = source; _sinks = sinks;
        _live = options.Live ?? source.IsLive;
    }

    public async Task<RunSummary> RunAsync(CancellationToken userToken, CancellationToken stopNow, double warmupMs)
    {
        int cap = _live ? 1 : _options.QueueCapacity;
        int batch = _options.Batch;
        using var abort = new CancellationTokenSource();
        using var userReg = userToken.Register(_pipeline.RequestStop);
        using var nowReg = stopNow.Register(() => { _pipeline.RequestStop(); abort.Cancel(); });
        using var interruptReg = _pipeline.StopToken.Register(_source.Interrupt); // a silent stream must not hold up the stop
        var workers = new StageWorkers(_engine, abort);
        int runs = _engine.ConcurrentRuns;
        using var runSlots = new SemaphoreSlim(runs, runs);
        using var runners = new RunnerThreads(runs, "tood-infer");
        using var pool = _live ? null : new FrameBufferPool(cap + batch + 2, _engine.Model.InputWidth, _engine.Model.InputHeight);

        // Live: the capture channel holds only the newest `batch` frames; an older one is disposed and counted when replaced.
        var captured = _live
            ? Channel.CreateBounded<FrameEnvelope>(new BoundedChannelOptions(batch) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                dropped => { dropped.Dispose(); _pipeline.CountDropped(); })
            : StageWorkers.Bounded<FrameEnvelope>(cap);
        var prepared = StageWorkers.Bounded<FrameEnvelope>(cap);
        var batches = StageWorkers.Bounded<FrameBatch>(2);
        var inferred = StageWorkers.Bounded<Task<FrameBatch>>(_live ? runs : runs + 1);
        var decoded = StageWorkers.Bounded<FrameEnvelope>(cap);
        var rendered = StageWorkers.Bounded<FrameEnvelope>(cap);

        var capture = new FrameCapture(_source, _options.VidStride, _live, _clocks[0], _pipeline.StopToken, _options.Log);
        var wall = Stopwatch.StartNew();
        var renderer = new OverlayRenderer(_options.LineWidth, _options.Trails);
        var tracker = _options.Tracking is { } tracking ? new ByteTracker(tracking) : null;

        // Starts a run of batch `b` (a run slot is held) on a runner thread and queues it for decoding, in order.
        async ValueTask Dispatch(FrameBatch b, CancellationToken ct)
        {
            var run = runners.Run(() =>
            {
                try
                {
                    long t = Stopwatch.GetTimestamp();
                    _engine.Run(b.Slot);
                    _clocks[3].Add(t);
                    return b;
                }
                catch { b.Release(_engine); throw; }   // a faulted run has released its batch
                finally { runSlots.Release(); }
            });
            try { await inferred.Writer.WriteAsync(run, ct); }
            catch
            {
                // Not handed on: release the batch once its run has finished with the slot.
                _ = run.ContinueWith(r => b.Release(_engine), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                throw;
            }
        }

        var front = _live
            ? new[] { LiveRunStage(workers, captured.Reader, inferred.Writer, runSlots, Dispatch) }
            : new[]
            {
                workers.Stage(captured, prepared.Writer, async (env, ct) =>
                {
                    var buf = await pool!.RentAsync(ct);
                    long t = Stopwatch.GetTimestamp();
                    env.Buffer = buf; env.Pool = pool;
                    env.Letterbox = buf.Target.Write(env.Frame);
                    _clocks[1].Add(t);
                    await prepared.Writer.WriteAsync(env, ct);
                }),
                workers.BatchStage(prepared.Reader, batches.Writer, batch, fill: true, _clocks[2]),
                workers.Stage(batches, inferred.Writer, async (b, ct) =>
                {
                    await runSlots.WaitAsync(ct);
                    await Dispatch(b, ct);
                }),
            };
        var tasks = new List<Task> { capture.Start(captured.Writer, abort) };
        tasks.AddRange(front);
        tasks.Add(workers.Stage(inferred, decoded.Writer, async (run, ct) =>
        {
            var b = await run;
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < b.Frames.Length; i++)
            {
                var env = b.Frames[i]!;
                _detector.Decode(b.Slot, i, env.Letterbox, env.Frame.Width, env.Frame.Height, env.Detections);
                tracker?.Update(env.Detections);   // in frame order: this stage has one worker
            }
            b.ReturnSlot(_engine);
            _clocks[4].Add(t);
            for (int i = 0; i < b.Frames.Length; i++)
            {
                await decoded.Writer.WriteAsync(b.Frames[i]!, ct);
                b.Frames[i] = null; // handed on
            }
        }));
        tasks.Add(workers.Stage(decoded, rendered.Writer, async (env, ct) =>
        {
            long t = Stopwatch.GetTimestamp();
            double fps = _rendered > 0 ? _rendered / wall.Elapsed.TotalSeconds : 0;
            string? status = _options.DrawStatus || _options.Show
                ? string.Create(CultureInfo.InvariantCulture, $"FPS {fps:0.0}  latency {Ms(Stopwatch.GetTimestamp() - env.CaptureTimestamp):0} ms{(_live ? $"  dropped {_pipeline.DroppedFrames}" : "")}")
                : null;
            // Burnt in only when asked (--status); otherwise the window draws it on its own copy.
            renderer.Draw(env.Frame, env.Detections, _options.DrawStatus ? status : null);
            env.Status = _options.DrawStatus ? null : status;
            _clocks[5].Add(t);
            _latency.Add(Ms(Stopwatch.GetTimestamp() - env.CaptureTimestamp)); // capture → overlay drawn
            _rendered++;
            await rendered.Writer.WriteAsync(env, ct);
        }));
        tasks.Add(workers.Stage<FrameEnvelope, object>(rendered, null, (env, ct) =>
        {
            long t = Stopwatch.GetTimestamp();
            var pf = new ProcessedFrame(env.Index, env.TimeSeconds, env.Frame, env.Detections, env.Status, env.Name);
            foreach (var s in _sinks) s.Write(pf);
            _clocks[6].Add(t);
            _frames++;
            _detections += env.Detections.Count;
            env.Dispose();
            _options.Progress?.Report(new PipelineProgress(_frames, _source.FrameCount is { } n ? (n + _options.VidStride - 1) / _options.VidStride : null,
                _frames / wall.Elapsed.TotalSeconds, wall.Elapsed.TotalSeconds, _pipeline.DroppedFrames));
            return ValueTask.CompletedTask;
        }));

        Exception? failure = null;
        try { await Task.WhenAll(tasks); }
        catch (Exception e)
        {
            // A stage failed or the run was stopped now: the others were aborted. Release what is still queued.
            StageWorkers.Drain(captured.Reader); StageWorkers.Drain(prepared.Reader); StageWorkers.Drain(decoded.Reader); StageWorkers.Drain(rendered.Reader);
            workers.DrainBatches(batches.Reader); workers.DrainRuns(inferred.Reader);
            failure = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(x => x is not OperationCanceledException)
                      ?? (stopNow.IsCancellationRequested ? null : e);
        }
        var sinkFailure = VideoPipeline.CompleteAll(_sinks); // also after a failure: what was written stays readable
        wall.Stop();
        if ((failure ?? sinkFailure) is { } error) VideoPipeline.Throw(error);
        var summary = Summary(capture, wall.Elapsed.TotalSeconds, warmupMs);
        // The outputs up to the failure are finalised above; the error still fails the run.
        if (capture.SourceError is { } sourceError) throw new VideoSourceException(sourceError.Message) { Summary = summary };
        return summary;
    }

    /// <summary>
    /// Live mode's front: wait for a free run slot, then take the newest captured frame(s), letterbox them
    /// straight into the inference slot and start the run. Frames captured meanwhile replace each other in
    /// the capture channel, so a run never starts on a stale frame.
    /// </summary>
    private Task LiveRunStage(StageWorkers workers, ChannelReader<FrameEnvelope> captured, ChannelWriter<Task<FrameBatch>> inferred,
                              SemaphoreSlim runSlots, Func<FrameBatch, CancellationToken, ValueTask> dispatch)
    {
        var items = new List<FrameEnvelope>(_options.Batch);
        return workers.Run(inferred, async ct =>
        {
            try
            {
                while (true)
                {
                    await runSlots.WaitAsync(ct);
                    bool dispatched = false;
                    InferenceSlot? slot = null;
                    try
                    {
                        slot = await _engine.RentAsync(ct);
                        if (!await ChannelBatcher.ReadBatchAsync(captured, _options.Batch, fill: false, items, ct)) return;
                        long t = Stopwatch.GetTimestamp();
                        for (int i = 0; i < items.Count; i++) items[i].Letterbox = slot.Target(i).Write(items[i].Frame);
                        slot.Count = items.Count;
                        _clocks[1].Add(t);
                        var fb = new FrameBatch(slot, [.. items]);
                        items.Clear();
                        slot = null;
                        dispatched = true; // the run releases the run slot when it ends
                        await dispatch(fb, ct);
                    }
                    finally
                    {
                        if (slot is not null) _engine.Return(slot);
                        if (!dispatched) runSlots.Release();
                    }
                }
            }
            finally
            {
                foreach (var env in items) env.Dispose();
                items.Clear();
            }
        });
    }

    private RunSummary Summary(FrameCapture capture, double seconds, double warmupMs)
    {
        var c = _clocks;
        long captured = capture.Captured;
        return new RunSummary(_frames, captured, _pipeline.DroppedFrames, seconds, _frames / Math.Max(seconds, 1e-9),
            new StageTimes(c[0].MsPer(captured), c[1].MsPer(_frames), c[2].MsPer(_frames), c[3].MsPer(_frames), c[4].MsPer(_frames), c[5].MsPer(_frames), c[6].MsPer(_frames)),
            _latency.Mean, _latency.P95, _latency.Max, _detections, _pipeline.StopToken.IsCancellationRequested, _detector.Device.ToString(),
            _source.Reconnects, warmupMs, capture.Unreadable, _source is ImageFileSource);
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
