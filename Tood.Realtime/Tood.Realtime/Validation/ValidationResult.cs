using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;

namespace Tood.Realtime.Validation;

/// <summary>What <see cref="DatasetValidator"/> measured: detections, COCO evaluation, PR curves, confusion, speed.</summary>
/// <param name="Detections">COCO results of the evaluated classes (data category ids).</param>
/// <param name="Seconds">Wall time of reading, letterboxing, running and decoding every image.</param>
public sealed record ValidationResult(
    ClassMapping Classes,
    int Images,
    IReadOnlyList<CocoAnnotation> Detections,
    CocoEvaluation Evaluation,
    IReadOnlyList<PrCurve> Curves,
    ConfusionSummary Confusion,
    double Seconds)
{
    public CocoStats Stats => Evaluation.Stats;
}
