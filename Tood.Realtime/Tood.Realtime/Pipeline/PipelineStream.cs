using Tood.Realtime.Rendering;
using Tood.Realtime.Sinks;
using Tood.Realtime.Tracking;
using Tood.Realtime.Video;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// One source's part of a <see cref="PipelineRun"/>: what stays per stream when several sources share the batcher and
/// the model — its sinks, its tracker (track IDs and motion never cross streams), its overlay renderer (trails), and
/// its counters and latency. The stages after decoding have one worker each, so only they touch the counters; the
/// dropped count comes from the capture side and is atomic.
/// </summary>
internal sealed class PipelineStream(int index, IFrameSource source, StreamPaths paths, IReadOnlyList<IFrameSink> sinks, ByteTracker? tracker, OverlayRenderer renderer)
{
    private long _dropped;

    /// <summary>0-based position in the sources given (shown 1-based).</summary>
    public int Index { get; } = index;
    public IFrameSource Source { get; } = source;
    /// <summary>Its output files, resolved once for the run.</summary>
    public StreamPaths Paths { get; } = paths;
    public IReadOnlyList<IFrameSink> Sinks { get; } = sinks;
    public ByteTracker? Tracker { get; } = tracker;
    public OverlayRenderer Renderer { get; } = renderer;
    public LatencyStats Latency { get; } = new();
    public long Frames { get; set; }
    public long Rendered { get; set; }
    public long Detections { get; set; }
    /// <summary>Seconds from the start of the run to this stream's last frame written.</summary>
    public double LastFrameSeconds { get; set; }
    public long Dropped => Interlocked.Read(ref _dropped);

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Finalises every stream's sinks, even when one fails; returns the first failure.</summary>
    public static Exception? CompleteAll(IEnumerable<PipelineStream> streams)
    {
        Exception? first = null;
        foreach (var s in streams.SelectMany(st => st.Sinks))
        {
            try { s.Complete(); }
            catch (Exception e) { first ??= e; }
        }
        return first;
    }

    public StreamSummary Summary(FrameCapture capture) => new()
    {
        Number = Index + 1, Source = Source.Description, Frames = Frames, FramesCaptured = capture.Captured, DroppedFrames = Dropped,
        Fps = Frames / Math.Max(LastFrameSeconds, 1e-9), MeanLatencyMs = Latency.Mean, P95LatencyMs = Latency.P95,
        Detections = Detections, Reconnects = Source.Reconnects, Error = capture.SourceError?.Message, Outputs = Paths,
    };
}
