using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace Tood.Live.Bench;

/// <summary>One model of a comparison: medians over the rounds, and every round's value.</summary>
public sealed record ComparisonRow(
    string Model,
    string Precision,
    string Input,
    string Device,
    [property: JsonPropertyName("raw_ms_per_frame")] double RawMs,
    [property: JsonPropertyName("raw_single_run_ms_per_frame")] double SingleRunMs,
    double PipelineFps,
    [property: JsonPropertyName("raw_ms_rounds")] IReadOnlyList<double> RawRounds,
    [property: JsonPropertyName("raw_single_run_ms_rounds")] IReadOnlyList<double> SingleRunRounds,
    [property: JsonPropertyName("pipeline_fps_rounds")] IReadOnlyList<double> PipelineRounds);

/// <summary>What <c>tood-live bench</c> reports for several models; ratios are against the first model.</summary>
public sealed record ComparisonReport
{
    public required string Source { get; init; }
    public required int Batch { get; init; }
    public required int Frames { get; init; }
    public required int Rounds { get; init; }
    public required int ProcessorCount { get; init; }
    public required string CpuThreading { get; init; }
    [JsonPropertyName("single_run_cpu_threading")] public required string SingleRunThreading { get; init; }
    public required IReadOnlyList<ComparisonRow> Models { get; init; }

    public string ToTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"tood-live bench: {Models.Count} models, {Frames} frames per mode, batch {Batch}, medians of {Rounds} interleaved rounds, {ProcessorCount} logical CPUs"));
        sb.AppendLine($"raw: session.Run on pre-filled buffers, {CpuThreading}; single run: {SingleRunThreading}; pipeline: VideoPipeline file mode");
        int width = Math.Max(5, Models.Max(m => Path.GetFileName(m.Model).Length));
        sb.AppendLine($"{"model".PadRight(width)}  precision  input     device   raw ms/frame  (x first)  single-run ms  (x first)  pipeline FPS  (x first)");
        var first = Models[0];
        foreach (var m in Models)
            sb.AppendLine(string.Create(inv,
                $"{Path.GetFileName(m.Model).PadRight(width)}  {m.Precision,-9}  {m.Input,-8}  {m.Device,-7}  {m.RawMs,12:0.00}  {m.RawMs / first.RawMs,9:0.000}  {m.SingleRunMs,13:0.00}  {m.SingleRunMs / first.SingleRunMs,9:0.000}  {m.PipelineFps,12:0.00}  {m.PipelineFps / first.PipelineFps,9:0.000}"));
        foreach (var m in Models)
            sb.AppendLine(string.Create(inv,
                $"rounds {Path.GetFileName(m.Model)}: raw ms {string.Join(" ", m.RawRounds.Select(v => v.ToString("0.00", inv)))}; single-run ms {string.Join(" ", m.SingleRunRounds.Select(v => v.ToString("0.00", inv)))}; pipeline FPS {string.Join(" ", m.PipelineRounds.Select(v => v.ToString("0.00", inv)))}"));
        return sb.ToString();
    }
}
