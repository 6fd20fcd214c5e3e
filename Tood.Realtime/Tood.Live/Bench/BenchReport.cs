using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Tood.Realtime.Pipeline;

namespace Tood.Live.Bench;

/// <summary>
/// One measured mode: frames, wall seconds, FPS, process CPU seconds spent meanwhile (cpu_utilisation =
/// cpu / (wall × logical CPUs): how much of the machine the mode keeps busy) and the process peak working set after it ran.
/// </summary>
public sealed record ModeResult(
    long Frames,
    double Seconds,
    double Fps,
    double MsPerFrame,
    double CpuSeconds,
    double CpuUtilisation,
    double PeakWorkingSetMb)
{
    public static ModeResult Of(long frames, double seconds, double cpuSeconds, long peakBytes) =>
        new(frames, seconds, frames / Math.Max(seconds, 1e-9), 1000 * seconds / Math.Max(frames, 1), cpuSeconds,
            cpuSeconds / Math.Max(seconds * Environment.ProcessorCount, 1e-9), peakBytes / 1048576.0);
}

/// <summary>Per-stage work in ms/frame (from the pipeline's <see cref="RunSummary"/> or the naive loop's own clocks).</summary>
public sealed record StageMs(
    double Capture,
    double Preprocess,
    double Batch,
    double Infer,
    double Postprocess,
    double Render,
    double Write)
{
    public static StageMs From(StageTimes t) => new(t.Capture, t.Preprocess, t.Batch, t.Infer, t.Postprocess, t.Render, t.Write);
    [JsonIgnore] public double Sum => Capture + Preprocess + Batch + Infer + Postprocess + Render + Write;
}

/// <summary>OpenCV DNN result: FPS when the model loads and runs, else the exact reason it does not.</summary>
public sealed record OpenCvDnnResult(
    bool Loaded,
    ModeResult? Result,
    string? Error);

/// <summary>A raw + naive pair measured with another CPU threading configuration.</summary>
public sealed record Baseline(
    string Name,
    string CpuThreading,
    ModeResult Raw,
    ModeResult Naive);

/// <summary>Everything <c>tood-live bench</c> reports (also its JSON file). <c>pipeline_over_raw</c> and
/// <c>pipeline_over_naive</c> compare with the raw/naive modes on the pipeline's own session; the
/// <c>_best</c> ratios divide by the fastest of those and the <see cref="Baselines"/> (other CPU threading).</summary>
public sealed record BenchReport
{
    public required string Model { get; init; }
    public required string Preset { get; init; }
    public required string Input { get; init; }
    public required string Source { get; init; }
    public required string SourceSize { get; init; }
    public required int Batch { get; init; }
    public required string Device { get; init; }
    public required int ProcessorCount { get; init; }
    public required string CpuThreading { get; init; }
    public required ModeResult Raw { get; init; }
    public required ModeResult Pipeline { get; init; }
    public required StageMs PipelineStageMs { get; init; }
    public required double PipelineLatencyMs { get; init; }
    public required ModeResult Naive { get; init; }
    public required StageMs NaiveStageMs { get; init; }
    public required IReadOnlyList<Baseline> Baselines { get; init; }
    [JsonPropertyName("opencv_dnn")] public required OpenCvDnnResult OpenCvDnn { get; init; }
    public required double PipelineOverRaw { get; init; }
    public required double PipelineOverBestRaw { get; init; }
    public required double PipelineOverNaive { get; init; }
    public required double PipelineOverBestNaive { get; init; }
    public required double PeakWorkingSetMb { get; init; }
    [JsonPropertyName("cpu_bound")] public required CpuBound Bound { get; init; }

    public string ToTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"tood-live bench: {Path.GetFileName(Model)} ({Preset}, {Input}) on {Device}, batch {Batch}, source {SourceSize}, {ProcessorCount} logical CPUs"));
        sb.AppendLine($"pipeline session CPU threading: {CpuThreading}");
        sb.AppendLine("mode                         frames      FPS   ms/frame  CPU busy  peak WS MB");
        void Row(string name, ModeResult r) => sb.AppendLine(string.Create(inv, $"{name,-27} {r.Frames,7} {r.Fps,8:0.00} {r.MsPerFrame,10:0.00} {100 * r.CpuUtilisation,8:0}% {r.PeakWorkingSetMb,11:0}"));
        Row("raw session.Run (limit)", Raw);
        Row("pipeline (VideoPipeline)", Pipeline);
        Row("naive single-thread loop", Naive);
        foreach (var b in Baselines)
        {
            sb.AppendLine($"  baseline '{b.Name}': {b.CpuThreading}");
            Row("  raw", b.Raw);
            Row("  naive", b.Naive);
        }
        if (OpenCvDnn.Result is { } dnn) Row("OpenCV DNN (session only)", dnn);
        else sb.AppendLine($"OpenCV DNN                  not measured: {OpenCvDnn.Error}");
        sb.AppendLine("stage ms/frame     capture preprocess  batch   infer  postproc  render   write");
        void Stages(string name, StageMs s) => sb.AppendLine(string.Create(inv,
            $"{name,-17} {s.Capture,8:0.00} {s.Preprocess,10:0.00} {s.Batch,6:0.00} {s.Infer,7:0.00} {s.Postprocess,9:0.00} {s.Render,7:0.00} {s.Write,7:0.00}"));
        Stages("pipeline", PipelineStageMs);
        Stages("naive", NaiveStageMs);
        sb.AppendLine(string.Create(inv, $"pipeline / raw = {PipelineOverRaw:0.000} (best raw: {PipelineOverBestRaw:0.000})   pipeline / naive = {PipelineOverNaive:0.000} (best naive: {PipelineOverBestNaive:0.000})"));
        sb.AppendLine(string.Create(inv, $"pipeline latency mean {PipelineLatencyMs:0.0} ms   peak working set {PeakWorkingSetMb:0} MB"));
        sb.AppendLine(string.Create(inv, $"CPU bound: {ProcessorCount} cores / (inference {Bound.InferenceCpuMs:0.00} + other work {Bound.OtherCpuMs:0.00} CPU ms per frame) = {Bound.Fps:0.0} FPS; pipeline / bound = {Bound.PipelineOverBound:0.000}"));
        sb.AppendLine(string.Create(inv, $"pipeline CPU {Bound.PipelineCpuMs:0.00} ms per frame: CPU efficiency (inference + other) / pipeline = {Bound.CpuEfficiency:0.000}"));
        return sb.ToString();
    }
}

/// <summary>
/// The most a pipeline on this CPU can do: every core busy, each frame costing the raw mode's inference CPU plus
/// the rest of the work — decode, letterbox, decode/NMS, draw, encode — as the naive loop measures it (its CPU per
/// frame, the encoder child's included, less the same inference CPU; both loops run the same single-threaded
/// session). <c>pipeline_over_bound</c> is how close the pipeline gets — meaningful on an otherwise idle machine.
/// <c>cpu_efficiency</c> = (inference + other) / the pipeline's own CPU per frame: the share of its CPU that is the
/// work itself rather than the cost of running stages in parallel; it holds up when other processes share the cores.
/// </summary>
public sealed record CpuBound(
    [property: JsonPropertyName("inference_cpu_ms_per_frame")] double InferenceCpuMs,
    [property: JsonPropertyName("other_cpu_ms_per_frame")] double OtherCpuMs,
    double Fps,
    double PipelineOverBound,
    [property: JsonPropertyName("pipeline_cpu_ms_per_frame")] double PipelineCpuMs,
    double CpuEfficiency)
{
    public static CpuBound Of(ModeResult raw, ModeResult naive, ModeResult pipeline, int cores)
    {
        static double PerFrame(ModeResult r) => 1000 * r.CpuSeconds / Math.Max(r.Frames, 1);
        double inference = PerFrame(raw);
        double other = Math.Max(0, PerFrame(naive) - inference);
        double fps = cores * 1000 / Math.Max(inference + other, 1e-9);
        double pipelineCpu = PerFrame(pipeline);
        return new CpuBound(inference, other, fps, pipeline.Fps / fps, pipelineCpu, (inference + other) / Math.Max(pipelineCpu, 1e-9));
    }
}
