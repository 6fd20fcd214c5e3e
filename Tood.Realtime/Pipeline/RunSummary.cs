using System.Globalization;

namespace Tood.Realtime.Pipeline;

/// <summary>Mean milliseconds per frame spent working (not waiting) in each stage.</summary>
public sealed record StageTimes(double Capture, double Preprocess, double Batch, double Infer, double Postprocess, double Render, double Write);

/// <summary>Result of <see cref="VideoPipeline.RunAsync"/>. <see cref="Reconnects"/>: times a lost stream was reopened;
/// <see cref="WarmupMs"/>: the warm-up model run before the first frame (not in the other timings).</summary>
public sealed record RunSummary(
    long Frames,
    long FramesCaptured,
    long DroppedFrames,
    double Seconds,
    double MeanFps,
    StageTimes StageMs,
    double MeanLatencyMs,
    double P95LatencyMs,
    double MaxLatencyMs,
    long Detections,
    bool Cancelled,
    string Device,
    int Reconnects = 0,
    double WarmupMs = 0)
{
    public override string ToString()
    {
        var s = StageMs;
        return string.Create(CultureInfo.InvariantCulture,
            $"{Frames} frames in {Seconds:0.00} s ({MeanFps:0.0} FPS) on {Device}, {Detections} detections, {DroppedFrames} dropped of {FramesCaptured} captured{(Reconnects > 0 ? $", {Reconnects} reconnect(s)" : "")}{(Cancelled ? ", stopped early" : "")}\n" +
            $"per frame: capture {s.Capture:0.0} ms, preprocess {s.Preprocess:0.0} ms, batch {s.Batch:0.0} ms, infer {s.Infer:0.0} ms, postprocess {s.Postprocess:0.0} ms, render {s.Render:0.0} ms, write {s.Write:0.0} ms\n" +
            $"latency capture→render: mean {MeanLatencyMs:0.0} ms, p95 {P95LatencyMs:0.0} ms, max {MaxLatencyMs:0.0} ms; warm-up run {WarmupMs:0} ms");
    }
}
