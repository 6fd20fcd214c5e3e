using System.Text.Json;
using System.Text.Json.Serialization;
using Tood.Realtime.Common;
using Tood.Realtime.Evaluation;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Validation;

/// <summary>
/// A validation as JSON (<c>tood-live val --json</c>): what ran (model, input size, device, decoder thresholds,
/// data, classes), the 12 COCO stats (pycocotools' names, as <c>tood-train eval --out</c> writes them), per-class AP,
/// the IoU-0.5 PR curves, the confusion summary and the speed. −1 = no ground truth (pycocotools' convention).
/// </summary>
public sealed record ValidationReport
{
    public required string Model { get; init; }
    public required string Data { get; init; }
    public required int Images { get; init; }
    /// <summary>"320x256": the model's fixed input; every image is letterboxed into it (top-left, mean-colour pad).</summary>
    public required string Input { get; init; }
    public required string Device { get; init; }
    public required DecodeSettings Decode { get; init; }
    public required ClassesReport Classes { get; init; }
    public required int Detections { get; init; }
    public required CocoStats Stats { get; init; }
    public required IReadOnlyList<CategoryAp> PerClass { get; init; }
    public required CurvesReport PrCurves { get; init; }
    public required ConfusionSummary Confusion { get; init; }
    public required double Seconds { get; init; }
    public double ImagesPerSecond => Seconds > 0 ? Math.Round(Images / Seconds, 2) : 0;

    public sealed record DecodeSettings(float ScoreThreshold, float IouThreshold, int PreNmsTopK, int MaxDetections, bool ClipToImage);
    public sealed record ClassesReport(IReadOnlyList<SharedClass> Evaluated, IReadOnlyList<string> ModelOnly, IReadOnlyList<string> DataOnly, IReadOnlyList<string> NotSelected);
    public sealed record CurvesReport(double Iou, IReadOnlyList<double> Recall, IReadOnlyList<PrCurve> Classes);

    public static ValidationReport Create(ValidationResult result, Detector detector, string data)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(detector);
        var d = detector.DecodeOptions;
        return new ValidationReport
        {
            Model = Path.GetFullPath(detector.Model.Path),
            Data = data,
            Images = result.Images,
            Input = $"{detector.Model.InputWidth}x{detector.Model.InputHeight}",
            Device = detector.Device.ToString(),
            Decode = new DecodeSettings(d.ScoreThreshold, d.IouThreshold, d.PreNmsTopK, d.MaxDetections, d.ClipToImage),
            Classes = new ClassesReport(result.Classes.Shared, result.Classes.ModelOnly, result.Classes.DataOnly, result.Classes.Unselected),
            Detections = result.Detections.Count,
            Stats = result.Stats,
            PerClass = result.Evaluation.PerCategory,
            PrCurves = new CurvesReport(0.5, PrCurve.Recall, result.Curves),
            Confusion = result.Confusion,
            Seconds = Math.Round(result.Seconds, 3),
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, ReportJson.Options);

    public static ValidationReport FromJson(string json) =>
        JsonSerializer.Deserialize<ValidationReport>(json, ReportJson.Options) ?? throw new InvalidDataException("empty validation report JSON");
}
