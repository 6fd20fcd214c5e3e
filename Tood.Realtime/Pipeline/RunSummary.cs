using System.Globalization;

namespace Tood.Realtime.Pipeline;

/// <summary>Mean milliseconds per frame spent working (not waiting) in each stage.</summary>
public sealed record StageTimes(double Capture, double Preprocess, double Batch, double Infer, double Postprocess, double Render, double Write);

/// <summary>Result of <see cref="VideoPipeline.RunAsync"/>. <see cref="Reconnects"/>: times a lost stream was reopened;
/// <see cref="WarmupMs"/>: the warm-up model run before the first frame (not in the other timings); <see cref="Unreadable"/>:
/// frames skipped because they did not decode (corrupt images); <see cref="Images"/>: the frames were image files.</summary>
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
    double WarmupMs = 0,
    long Unreadable = 0,
    bool Images = false)
{
    public override string ToString()
    {
        var s = StageMs;
        var inv = CultureInfo.InvariantCulture;
        string head = Images
            ? string.Create(inv, $"{Frames} images in {Seconds:0.00} s ({MeanFps:0.0} images/s) on {Device}, {Detections} detections, skipped {Unreadable} unreadable images")
            : string.Create(inv, $"{Frames} frames in {Seconds:0.00} s ({MeanFps:0.0} FPS) on {Device}, {Detections} detections, {DroppedFrames} dropped of {FramesCaptured} captured{(Reconnects > 0 ? $", {Reconnects} reconnect(s)" : "")}");
        return string.Create(inv,
            $"{head}{(Cancelled ? ", stopped early" : "")}\n" +
            $"per frame: capture {s.Capture:0.0} ms, preprocess {s.Preprocess:0.0} ms, batch {s.Batch:0.0} ms, infer {s.Infer:0.0} ms, postprocess {s.Postprocess:0.0} ms, render {s.Render:0.0} ms, write {s.Write:0.0} ms\n" +
            $"latency capture→render: mean {MeanLatencyMs:0.0} ms, p95 {P95LatencyMs:0.0} ms, max {MaxLatencyMs:0.0} ms; warm-up run {WarmupMs:0} ms");
    }
}
