using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tood.Realtime.Evaluation;

/// <summary>
/// The 12 numbers of pycocotools <c>COCOeval.stats</c> for iouType='bbox', in its order.
/// −1 means "no ground truth in that slice" (pycocotools' convention).
/// </summary>
public sealed record CocoStats
{
    /// <summary>AP @[IoU=.50:.95 | all | 100].</summary>
    public double AP { get; init; }
    public double AP50 { get; init; }
    public double AP75 { get; init; }
    [JsonPropertyName("APs")] public double APSmall { get; init; }
    [JsonPropertyName("APm")] public double APMedium { get; init; }
    [JsonPropertyName("APl")] public double APLarge { get; init; }
    public double AR1 { get; init; }
    public double AR10 { get; init; }
    public double AR100 { get; init; }
    [JsonPropertyName("ARs")] public double ARSmall { get; init; }
    [JsonPropertyName("ARm")] public double ARMedium { get; init; }
    [JsonPropertyName("ARl")] public double ARLarge { get; init; }

    public const int Count = 12;

    /// <summary>Same order as pycocotools' <c>stats</c> array.</summary>
    public double[] ToArray() =>
        [AP, AP50, AP75, APSmall, APMedium, APLarge, AR1, AR10, AR100, ARSmall, ARMedium, ARLarge];

    public static CocoStats FromArray(ReadOnlySpan<double> s)
    {
        if (s.Length != Count) throw new ArgumentException($"expected {Count} stats, got {s.Length}", nameof(s));
        return new CocoStats
        {
            AP = s[0], AP50 = s[1], AP75 = s[2], APSmall = s[3], APMedium = s[4], APLarge = s[5],
            AR1 = s[6], AR10 = s[7], AR100 = s[8], ARSmall = s[9], ARMedium = s[10], ARLarge = s[11],
        };
    }

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static CocoStats FromJson(string json) =>
        JsonSerializer.Deserialize<CocoStats>(json) ?? throw new InvalidDataException("empty COCO stats JSON");

    /// <summary>The 12 lines pycocotools' <c>summarize()</c> prints, newline-separated.</summary>
    public string Format()
    {
        var values = ToArray();
        var sb = new StringBuilder();
        for (int i = 0; i < Count; i++)
        {
            if (i > 0) sb.Append('\n');
            sb.Append(SummarySpec.Detection[i].FormatLine(values[i]));
        }
        return sb.ToString();
    }
}
