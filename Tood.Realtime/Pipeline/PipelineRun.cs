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
/// One run of a <see cref="VideoPipeline"/>: the channels and stage workers between the open sources and their sinks.
/// <code>
/// file: capture ×N ─▶ letterbox ─▶ batch ─▶ run slot ─▶ infer ─▶ decode (+track) ─▶ render ─▶ sinks of the frame's stream
/// live: capture ×N ─▶ (newest frame of each stream when a run slot frees) letterbox+infer ─▶ decode ─▶ render ─▶ sinks
/// </code>
/// With several sources every stage is shared — one batcher, one model session, so a batch can hold frames of
/// several streams — and only what must stay per stream is (<see cref="PipelineStream"/>: sinks, tracker, trails,
/// counters). Model runs complete out of order on dedicated threads; the channel after them carries the run tasks in
/// submission order, so decoding (awaiting each in turn) keeps every stream's frame order with any number of concurrent
/// runs. A source that fails for good ends its own capture only; the others run on, and the run reports it at the end.
/// </summary>
internal sealed class PipelineRun
{
    private readonly VideoPipeline _pipeline;
    private readonly Detector _detector;
    private readonly InferenceEngine _engine;
    private readonly VideoPipelineOptions _options;
    private readonly PipelineStream[] _streams;
    private readonly bool _live;
    private readonly StageClock[] _clocks = Enumerable.Range(0, 7).Select(_ => new StageClock()).ToArray();
    private readonly LatencyStats _latency = new();
    private long _frames, _detections, _runs, _batchedFrames;

    public PipelineRun(VideoPipeline pipeline, Detector detector, VideoPipelineOptions options, IReadOnlyList<PipelineStream> streams, bool live)
    {
        _pipeline = pipeline; _detector = detector; _engine = detector.Engine; _options = options; _streams = [.. streams];
        _live = live;
    }

    public async Task<RunSummary> RunAsync(CancellationToken userToken, CancellationToken stopNow, double warmupMs)
    {
        int cap = _live ? 1 : _options.QueueCapacity;
        int batch = _options.Batch;
        using var abort = new CancellationTokenSource();
        using var userReg = userToken.Register(_pipeline.RequestStop);
        using var nowReg = stopNow.Register(() => { _pipeline.RequestStop(); abort.Cancel(); });
        using var interruptReg = _pipeline.StopToken.Register(() => { foreach (var s in _streams) s.Source.Interrupt(); }); // a silent stream must not hold up the stop
        var workers = new StageWorkers(_engine, abort);
        int runs = _engine.ConcurrentRuns;
        using var runSlots = new SemaphoreSlim(runs, runs);
        using var runners = new RunnerThreads(runs, "tood-infer");
        using var pool = _live ? null : new FrameBufferPool(cap + batch + 2, _engine.Model.InputWidth, _engine.Model.InputHeight);

        // Live: one capture channel per stream, holding only its newest frames (its share of a batch); an older one is
        // disposed and counted when replaced. File: one channel that every capture writes to, waiting when it is full.
        int share = Math.Max(1, batch / _streams.Length);
        var liveChannels = _live
            ? _streams.Select(st => Channel.CreateBounded<FrameEnvelope>(new BoundedChannelOptions(share) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                dropped => { dropped.Dispose(); st.CountDropped(); _pipeline.CountDropped(); })).ToArray()
            : null;
        var captured = StageWorkers.Bounded<FrameEnvelope>(cap, singleWriter: _streams.Length == 1);
        var prepared = StageWorkers.Bounded<FrameEnvelope>(cap);
        var batches = StageWorkers.Bounded<FrameBatch>(2);
        var inferred = StageWorkers.Bounded<Task<FrameBatch>>(_live ? runs : runs + 1);
        var decoded = StageWorkers.Bounded<FrameEnvelope>(cap);
        var rendered = StageWorkers.Bounded<FrameEnvelope>(cap);

        var captures = _streams.Select(st => new FrameCapture(st.Source, st.Index, _options.VidStride, _live, _clocks[0], _pipeline.StopToken, _options.Log)).ToArray();
        var wall = Stopwatch.StartNew();
        long? totalFrames = _streams.All(st => st.Source.FrameCount is not null)
            ? _streams.Sum(st => (st.Source.FrameCount!.Value + _options.VidStride - 1) / _options.VidStride) : null;

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
                    Interlocked.Increment(ref _runs);
                    Interlocked.Add(ref _batchedFrames, b.Slot.Count);
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
            ? new[] { LiveRunStage(workers, liveChannels!.Select(c => c.Reader).ToArray(), inferred.Writer, runSlots, Dispatch) }
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
        var tasks = new List<Task> { StartCaptures(captures, liveChannels?.Select(c => c.Writer).ToArray() ?? [captured.Writer], abort) };
        tasks.AddRange(front);
        tasks.Add(workers.Stage(inferred, decoded.Writer, async (run, ct) =>
        {
            var b = await run;
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < b.Frames.Length; i++)
            {
                var env = b.Frames[i]!;
                _detector.Decode(b.Slot, i, env.Letterbox, env.Frame.Width, env.Frame.Height, env.Detections);
                _streams[env.Stream].Tracker?.Update(env.Detections);   // in the stream's frame order: this stage has one worker
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
            var st = _streams[env.Stream];
            double fps = st.Rendered > 0 ? st.Rendered / wall.Elapsed.TotalSeconds : 0;
            string? status = _options.DrawStatus || _options.Show
                ? string.Create(CultureInfo.InvariantCulture, $"FPS {fps:0.0}  latency {Ms(Stopwatch.GetTimestamp() - env.CaptureTimestamp):0} ms{(_live ? $"  dropped {st.Dropped}" : "")}")
                : null;
            // Burnt in only when asked (--status); otherwise the window draws it on its own copy.
            st.Renderer.Draw(env.Frame, env.Detections, _options.DrawStatus ? status : null);
            env.Status = _options.DrawStatus ? null : status;
            _clocks[5].Add(t);
            double latency = Ms(Stopwatch.GetTimestamp() - env.CaptureTimestamp); // capture → overlay drawn
            _latency.Add(latency);
            st.Latency.Add(latency);
            st.Rendered++;
            await rendered.Writer.WriteAsync(env, ct);
        }));
        tasks.Add(workers.Stage<FrameEnvelope, object>(rendered, null, (env, ct) =>
        {
            long t = Stopwatch.GetTimestamp();
            var st = _streams[env.Stream];
            var pf = new ProcessedFrame(env.Index, env.TimeSeconds, env.Frame, env.Detections, env.Status, env.Name);
            foreach (var s in st.Sinks) s.Write(pf);
            _clocks[6].Add(t);
            _frames++;
            _detections += env.Detections.Count;
            st.Frames++;
            st.Detections += env.Detections.Count;
            st.LastFrameSeconds = wall.Elapsed.TotalSeconds;
            env.Dispose();
            _options.Progress?.Report(new PipelineProgress(_frames, totalFrames, _frames / wall.Elapsed.TotalSeconds, wall.Elapsed.TotalSeconds, _pipeline.DroppedFrames));
            return ValueTask.CompletedTask;
        }));

        Exception? failure = null;
        try { await Task.WhenAll(tasks); }
        catch (Exception e)
        {
            // A stage failed or the run was stopped now: the others were aborted. Release what is still queued.
            foreach (var c in liveChannels ?? []) StageWorkers.Drain(c.Reader);
            StageWorkers.Drain(captured.Reader); StageWorkers.Drain(prepared.Reader); StageWorkers.Drain(decoded.Reader); StageWorkers.Drain(rendered.Reader);
            workers.DrainBatches(batches.Reader); workers.DrainRuns(inferred.Reader);
            failure = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(x => x is not OperationCanceledException)
                      ?? (stopNow.IsCancellationRequested ? null : e);
        }
        var sinkFailure = VideoPipeline.CompleteAll(_streams.SelectMany(st => st.Sinks)); // also after a failure: what was written stays readable
        wall.Stop();
        if ((failure ?? sinkFailure) is { } error) VideoPipeline.Throw(error);
        var summary = Summary(captures, wall.Elapsed.TotalSeconds, warmupMs);
        // The outputs up to the failure are finalised above; the error still fails the run (after the other streams ended).
        var failed = captures.Where(c => c.SourceError is not null).ToList();
        if (failed.Count == 1 && _streams.Length == 1) throw new VideoSourceException(failed[0].SourceError!.Message) { Summary = summary };
        if (failed.Count > 0)
            throw new VideoSourceException($"{failed.Count} of {_streams.Length} streams failed: " + string.Join("; ", failed.Select(StreamFailure))) { Summary = summary };
        return summary;
    }

    private string StreamFailure(FrameCapture c) => $"stream {c.Stream + 1} ({c.Source.Description}): {c.SourceError!.Message}";

    /// <summary>
    /// Starts every capture and completes the channel(s) when they end: each stream's own channel as soon as that
    /// stream ends (live), the shared one when the last does (file). A stream that fails for good is reported at
    /// once in one line naming it; the others go on.
    /// </summary>
    private Task StartCaptures(FrameCapture[] captures, ChannelWriter<FrameEnvelope>[] writers, CancellationTokenSource abort)
    {
        async Task Watch(FrameCapture c, ChannelWriter<FrameEnvelope>? own)
        {
            try { await c.Start(own ?? writers[0], abort); }
            catch (Exception e) { own?.TryComplete(e); throw; }
            own?.TryComplete();
            if (c.SourceError is not null && captures.Length > 1)
                _options.Log?.Invoke($"{StreamFailure(c)}; the other streams go on");
        }
        bool perStream = writers.Length > 1 || _live;
        var all = captures.Select((c, k) => Watch(c, perStream ? writers[k] : null)).ToArray();
        if (perStream) return Task.WhenAll(all);
        return CompleteAfter(all, writers[0]);

        static async Task CompleteAfter(Task[] all, ChannelWriter<FrameEnvelope> shared)
        {
            try { await Task.WhenAll(all); }
            catch (Exception e) { shared.TryComplete(e); throw; }
            shared.TryComplete();
        }
    }

    /// <summary>
    /// Live mode's front: wait for a free run slot, then take the newest captured frame(s) of each stream, letterbox them
    /// straight into the inference slot and start the run. Frames captured meanwhile replace each other in
    /// the capture channel, so a run never starts on a stale frame.
    /// </summary>
    private Task LiveRunStage(StageWorkers workers, ChannelReader<FrameEnvelope>[] captured, ChannelWriter<Task<FrameBatch>> inferred,
                              SemaphoreSlim runSlots, Func<FrameBatch, CancellationToken, ValueTask> dispatch)
    {
        var items = new List<FrameEnvelope>(_options.Batch);
        int first = 0; // the stream served first; rotated so that with more streams than --batch each gets its turn
        var waits = new Task<bool>?[captured.Length];
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
                        if (!await ChannelBatcher.ReadNewestAsync(captured, _options.Batch, first, items, waits, ct)) return;
                        first = (first + 1) % captured.Length;
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

    private RunSummary Summary(FrameCapture[] captures, double seconds, double warmupMs)
    {
        var c = _clocks;
        long captured = captures.Sum(x => x.Captured);
        return new RunSummary(_frames, captured, _pipeline.DroppedFrames, seconds, _frames / Math.Max(seconds, 1e-9),
            new StageTimes(c[0].MsPer(captured), c[1].MsPer(_frames), c[2].MsPer(_frames), c[3].MsPer(_frames), c[4].MsPer(_frames), c[5].MsPer(_frames), c[6].MsPer(_frames)),
            _latency.Mean, _latency.P95, _latency.Max, _detections, _pipeline.StopToken.IsCancellationRequested, _detector.Device.ToString(),
            _streams.Sum(st => st.Source.Reconnects), warmupMs, captures.Sum(x => x.Unreadable), _streams.All(st => st.Source is ImageFileSource),
            _streams.Select((st, k) => st.Summary(captures[k])).ToList(), Interlocked.Read(ref _runs), Interlocked.Read(ref _batchedFrames));
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
