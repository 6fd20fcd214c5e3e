using System.Threading.Channels;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline.Stages;
using Tood.Realtime.Video;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// One run of a <see cref="VideoPipeline"/>: wires the stages (Stages/) with bounded channels and collects the summary.
/// <code>
/// file: capture ×N ─▶ letterbox ─▶ batch ─▶ infer ─▶ decode (+track) ─▶ render ─▶ write (the frame's stream's sinks)
/// live: capture ×N ─▶ (newest frame of each stream when a run slot frees) letterbox+infer ─▶ decode ─▶ render ─▶ write
/// </code>
/// With several sources every stage is shared — one batcher, one model session, so a batch can hold frames of
/// several streams — and only what must stay per stream is (<see cref="PipelineStream"/>: sinks, tracker, trails,
/// counters). Stop, abort, counters and failures live in the <see cref="RunContext"/> every stage gets. A source that
/// fails for good ends its own capture only; the others run on, and the run reports it at the end.
/// </summary>
internal sealed class PipelineRun(Detector detector, VideoPipelineOptions settings, RunContext context)
{
    public async Task<RunSummary> RunAsync(double warmupMs)
    {
        bool live = context.Live;
        int cap = live ? 1 : settings.Run.QueueCapacity, batch = settings.Run.Batch;
        using var runner = new ModelRunner(context);
        using var pool = live ? null : new FrameBufferPool(cap + batch + 2, context.Engine.Model.InputWidth, context.Engine.Model.InputHeight);
        var capture = new CaptureStage(context, settings.Run.VidStride);
        var letterbox = live ? null : new LetterboxStage(context, pool!);
        var batcher = live ? null : new BatchStage(context, batch);
        var liveInfer = live ? new LiveInferStage(context, runner, Math.Max(1, batch)) : null;
        var decode = new DecodeStage(context, detector);
        var render = new RenderStage(context, settings.Render.Show, settings.Render.DrawStatus);
        var write = new SinkStage(context, settings.Progress, TotalFrames());

        // Live: one capture channel per stream holding its newest frames (its share of a batch); file: one channel for all.
        var liveChannels = live ? capture.LiveChannels(Math.Max(1, batch / context.Streams.Count)) : null;
        var captured = RunContext.Bounded<FrameEnvelope>(cap, singleWriter: context.Streams.Count == 1);
        var prepared = RunContext.Bounded<FrameEnvelope>(cap);
        var batches = RunContext.Bounded<FrameBatch>(2);
        var inferred = RunContext.Bounded<Task<FrameBatch>>(live ? context.Engine.ConcurrentRuns : context.Engine.ConcurrentRuns + 1);
        var decoded = RunContext.Bounded<FrameEnvelope>(cap);
        var rendered = RunContext.Bounded<FrameEnvelope>(cap);

        context.Wall.Start();
        var tasks = new List<Task> { capture.RunAsync(liveChannels?.Select(c => c.Writer).ToArray() ?? [captured.Writer]) };
        if (live) tasks.Add(liveInfer!.RunAsync([.. liveChannels!.Select(c => c.Reader)], inferred.Writer));
        else
        {
            tasks.Add(letterbox!.RunAsync(captured.Reader, prepared.Writer));
            tasks.Add(batcher!.RunAsync(prepared.Reader, batches.Writer));
            tasks.Add(new InferStage(context, runner).RunAsync(batches.Reader, inferred.Writer));
        }
        tasks.Add(decode.RunAsync(inferred.Reader, decoded.Writer));
        tasks.Add(render.RunAsync(decoded.Reader, rendered.Writer));
        tasks.Add(write.RunAsync(rendered.Reader));

        Exception? failure = null;
        try { await Task.WhenAll(tasks); }
        catch (Exception e)
        {
            // A stage failed or the run was stopped now: the others were aborted. Release what is still queued.
            foreach (var c in liveChannels ?? []) context.Drain(c.Reader);
            context.Drain(captured.Reader); context.Drain(prepared.Reader); context.Drain(batches.Reader);
            context.Drain(inferred.Reader); context.Drain(decoded.Reader); context.Drain(rendered.Reader);
            failure = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(x => x is not OperationCanceledException)
                      ?? (context.AbortedNow ? null : e);
        }
        var sinkFailure = PipelineStream.CompleteAll(context.Streams); // also after a failure: what was written stays readable
        context.Wall.Stop();
        if ((failure ?? sinkFailure) is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        var times = new StageTimes
        {
            Capture = capture.Clock.MsPer(capture.Captured), Preprocess = (letterbox?.Clock ?? liveInfer!.Clock).MsPer(context.Frames),
            Batch = batcher?.Clock.MsPer(context.Frames) ?? 0, Infer = runner.Clock.MsPer(context.Frames), Postprocess = decode.Clock.MsPer(context.Frames),
            Render = render.Clock.MsPer(context.Frames), Write = write.Clock.MsPer(context.Frames),
        };
        var summary = Summary(capture, times, warmupMs);
        ThrowSourceFailures(capture, summary); // the outputs up to the failure are finalised above
        return summary;
    }

    private long? TotalFrames() => context.Streams.All(st => st.Source.FrameCount is not null)
        ? context.Streams.Sum(st => (st.Source.FrameCount!.Value + settings.Run.VidStride - 1) / settings.Run.VidStride) : null;

    /// <summary>A stream that failed for good still fails the run, after the other streams ended.</summary>
    private void ThrowSourceFailures(CaptureStage capture, RunSummary summary)
    {
        var failed = capture.Captures.Where(c => c.SourceError is not null).ToList();
        if (failed.Count == 1 && context.Streams.Count == 1) throw new VideoSourceException(failed[0].SourceError!.Message) { Summary = summary };
        if (failed.Count > 0)
            throw new VideoSourceException($"{failed.Count} of {context.Streams.Count} streams failed: " + string.Join("; ", failed.Select(CaptureStage.Failure))) { Summary = summary };
    }

    private RunSummary Summary(CaptureStage capture, StageTimes times, double warmupMs)
    {
        double seconds = context.Wall.Elapsed.TotalSeconds;
        return new RunSummary
        {
            Frames = context.Frames, FramesCaptured = capture.Captured, DroppedFrames = context.Dropped, Seconds = seconds,
            MeanFps = context.Frames / Math.Max(seconds, 1e-9), StageMs = times,
            MeanLatencyMs = context.Latency.Mean, P95LatencyMs = context.Latency.P95, MaxLatencyMs = context.Latency.Max,
            Detections = context.Detections, Cancelled = context.Stopped, Device = detector.Device.ToString(),
            Reconnects = context.Streams.Sum(st => st.Source.Reconnects), WarmupMs = warmupMs,
            Unreadable = capture.Captures.Sum(x => x.Unreadable), Images = context.Streams.All(st => st.Source.IsStills),
            Streams = [.. context.Streams.Select((st, k) => st.Summary(capture.Captures[k]))],
            ModelRuns = context.ModelRuns, BatchedFrames = context.BatchedFrames,
        };
    }
}
