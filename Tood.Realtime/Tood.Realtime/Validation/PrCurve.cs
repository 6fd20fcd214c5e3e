using Tood.Realtime.Evaluation;

namespace Tood.Realtime.Validation;

/// <summary>
/// A class's precision–recall curve at IoU 0.5 as COCO evaluates it: interpolated precision (the best precision at
/// any recall ≥ r) at the 101 recall points r = 0, 0.01, …, 1 (<see cref="Recall"/>), all areas, 100 detections
/// per image; 0 beyond the highest recall reached. Its mean over the 101 points is the class's AP50.
/// </summary>
public sealed record PrCurve(int CategoryId, string Name, int NumGt, double AP50, IReadOnlyList<double> Precision)
{
    /// <summary>The recall points of every curve.</summary>
    public static IReadOnlyList<double> Recall { get; } = CocoEvalParams.RecallThresholds.ToArray();

    /// <summary>One curve per category with ground truth, in category order (pycocotools' precision[0, :, k, 0, 2]).</summary>
    public static IReadOnlyList<PrCurve> AtIou50(CocoEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var curves = new List<PrCurve>();
        for (int k = 0; k < evaluation.PerCategory.Count; k++)
        {
            var c = evaluation.PerCategory[k];
            if (c.NumGt == 0) continue;
            var p = new double[CocoEvalParams.R];
            for (int r = 0; r < p.Length; r++) p[r] = evaluation.Precision(0, r, k, 0, CocoEvalParams.M - 1);
            curves.Add(new PrCurve(c.CategoryId, c.Name, c.NumGt, c.AP50, p));
        }
        return curves;
    }

    /// <summary>The mean curve over <paramref name="curves"/>: its mean is the mAP50 (COCO averages classes first).</summary>
    public static double[] Mean(IReadOnlyList<PrCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        var mean = new double[CocoEvalParams.R];
        foreach (var c in curves)
            for (int r = 0; r < mean.Length; r++) mean[r] += c.Precision[r] / curves.Count;
        return mean;
    }
}
