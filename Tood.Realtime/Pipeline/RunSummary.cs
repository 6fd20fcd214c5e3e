using System.Globalization;
using System.Text;

namespace Tood.Realtime.Pipeline;

/// <summary>Mean milliseconds per frame spent working (not waiting) in each stage.</summary>
public sealed record StageTimes(double Capture, double Preprocess, double Batch, double Infer, double Postprocess, double Render, double Write);

/// <summary>Result of <see cref="VideoPipeline.RunAsync"/>. <see cref="Reconnects"/>: times a lost stream was reopened;
/// <see cref="WarmupMs"/>: the warm-up model run before the first frame (not in the other timings); <see cref="Unreadable"/>:
/// frames skipped because they did not decode (corrupt images); <see cref="Images"/>: the frames were image files;
/// <see cref="Streams"/>: one entry per source, in the order given; <see cref="ModelRuns"/> and <see cref="BatchedFrames"/>:
/// model runs and the frames they held (<see cref="MeanBatchFill"/> shows how full <c>--batch</c> was).</summary>
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
    bool Images = false,
    IReadOnlyList<StreamSummary>? Streams = null,
    long ModelRuns = 0,
    long BatchedFrames = 0)
{
    /// <summary>Frames per model run (1 … --batch).</summary>
    public double MeanBatchFill => ModelRuns == 0 ? 0 : BatchedFrames / (double)ModelRuns;

    public override string ToString()
    {
        var s = StageMs;
        var inv = CultureInfo.InvariantCulture;
        string head = Images
            ? string.Create(inv, $"{Frames} images in {Seconds:0.00} s ({MeanFps:0.0} images/s) on {Device}, {Detections} detections, skipped {Unreadable} unreadable images")
            : string.Create(inv, $"{Frames} frames in {Seconds:0.00} s ({MeanFps:0.0} FPS) on {Device}, {Detections} detections, {DroppedFrames} dropped of {FramesCaptured} captured{(Reconnects > 0 ? $", {Reconnects} reconnect(s)" : "")}");
        var text = new StringBuilder(string.Create(inv,
            $"{head}{(Cancelled ? ", stopped early" : "")}\n" +
            $"per frame: capture {s.Capture:0.0} ms, preprocess {s.Preprocess:0.0} ms, batch {s.Batch:0.0} ms, infer {s.Infer:0.0} ms, postprocess {s.Postprocess:0.0} ms, render {s.Render:0.0} ms, write {s.Write:0.0} ms\n" +
            $"latency capture→render: mean {MeanLatencyMs:0.0} ms, p95 {P95LatencyMs:0.0} ms, max {MaxLatencyMs:0.0} ms; warm-up run {WarmupMs:0} ms; {ModelRuns} model runs, {MeanBatchFill:0.00} frames per run"));
        if (Streams is { Count: > 1 } streams)
            foreach (var stream in streams) text.Append('\n').Append(stream);
        return text.ToString();
    }
}

/// <summary>
/// One source's part of a run with several sources. <see cref="Fps"/>: its frames over the time from the start to its
/// last frame written (a file that ends early is not charged for the others' time). <see cref="Error"/>: why the
/// stream failed for good (reconnects used up, decode failure), null when it ended cleanly or was stopped.
/// </summary>
public sealed record StreamSummary(
    int Number,
    string Source,
    long Frames,
    long FramesCaptured,
    long DroppedFrames,
    double Fps,
    double MeanLatencyMs,
    double P95LatencyMs,
    long Detections,
    int Reconnects,
    string? Error)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"stream {Number} {Source}: {Frames} frames ({Fps:0.0} FPS), {Detections} detections, {DroppedFrames} dropped of {FramesCaptured} captured, " +
        $"latency mean {MeanLatencyMs:0.0} ms, p95 {P95LatencyMs:0.0} ms, {Reconnects} reconnect(s){(Error is null ? "" : $"; FAILED: {Error}")}");
}
