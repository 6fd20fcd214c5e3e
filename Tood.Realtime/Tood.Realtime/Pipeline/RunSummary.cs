using System.Globalization;
using System.Text;

namespace Tood.Realtime.Pipeline;

/// <summary>Mean milliseconds per frame spent working (not waiting) in each stage.</summary>
public sealed record StageTimes
{
    public double Capture { get; init; }
    public double Preprocess { get; init; }
    public double Batch { get; init; }
    public double Infer { get; init; }
    public double Postprocess { get; init; }
    public double Render { get; init; }
    public double Write { get; init; }
}

/// <summary>Result of <see cref="VideoPipeline.RunAsync"/>. <see cref="Reconnects"/>: times a lost stream was reopened;
/// <see cref="WarmupMs"/>: the warm-up model run before the first frame (not in the other timings); <see cref="Unreadable"/>:
/// frames skipped because they did not decode (corrupt images); <see cref="Images"/>: the frames were image files;
/// <see cref="Streams"/>: one entry per source, in the order given; <see cref="ModelRuns"/> and <see cref="BatchedFrames"/>:
/// model runs and the frames they held (<see cref="MeanBatchFill"/> shows how full <c>--batch</c> was).</summary>
public sealed record RunSummary
{
    public required long Frames { get; init; }
    public required long FramesCaptured { get; init; }
    public required long DroppedFrames { get; init; }
    public required double Seconds { get; init; }
    public required double MeanFps { get; init; }
    public required StageTimes StageMs { get; init; }
    public required double MeanLatencyMs { get; init; }
    public required double P95LatencyMs { get; init; }
    public required double MaxLatencyMs { get; init; }
    public required long Detections { get; init; }
    public required bool Cancelled { get; init; }
    public required string Device { get; init; }
    public int Reconnects { get; init; }
    public double WarmupMs { get; init; }
    public long Unreadable { get; init; }
    public bool Images { get; init; }
    public IReadOnlyList<StreamSummary>? Streams { get; init; }
    public long ModelRuns { get; init; }
    public long BatchedFrames { get; init; }

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
public sealed record StreamSummary
{
    public required int Number { get; init; }
    public required string Source { get; init; }
    public required long Frames { get; init; }
    public required long FramesCaptured { get; init; }
    public required long DroppedFrames { get; init; }
    public required double Fps { get; init; }
    public required double MeanLatencyMs { get; init; }
    public required double P95LatencyMs { get; init; }
    public required long Detections { get; init; }
    public required int Reconnects { get; init; }
    public required string? Error { get; init; }
    /// <summary>The files this stream wrote (resolved from <see cref="OutputSettings"/>).</summary>
    public StreamPaths Outputs { get; init; } = new(null, null, null, null, null);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"stream {Number} {Source}: {Frames} frames ({Fps:0.0} FPS), {Detections} detections, {DroppedFrames} dropped of {FramesCaptured} captured, " +
        $"latency mean {MeanLatencyMs:0.0} ms, p95 {P95LatencyMs:0.0} ms, {Reconnects} reconnect(s){(Error is null ? "" : $"; FAILED: {Error}")}");
}
