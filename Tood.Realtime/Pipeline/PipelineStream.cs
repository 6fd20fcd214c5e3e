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
internal sealed class PipelineStream(int index, IFrameSource source, IReadOnlyList<IFrameSink> sinks, ByteTracker? tracker, OverlayRenderer renderer)
{
    private long _dropped;

    /// <summary>0-based position in the sources given (shown 1-based).</summary>
    public int Index { get; } = index;
    public IFrameSource Source { get; } = source;
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

    public StreamSummary Summary(FrameCapture capture) => new(Index + 1, Source.Description, Frames, capture.Captured, Dropped,
        Frames / Math.Max(LastFrameSeconds, 1e-9), Latency.Mean, Latency.P95, Detections, Source.Reconnects, capture.SourceError?.Message);
}
