namespace Tood.Realtime.Evaluation;

/// <summary>AP of one category: mean of precision[:, :, k, area=all, maxDets=100] over entries &gt; −1.</summary>
public readonly record struct CategoryAp(int CategoryId, string Name, double AP, double AP50, double AP75, int NumGt);

/// <summary>Full result of one evaluation: the 12 stats, per-category AP and the raw accumulate arrays.</summary>
public sealed class CocoEvaluation
{
    private readonly double[] _precision;
    private readonly double[] _recall;

    internal CocoEvaluation(CocoStats stats, IReadOnlyList<CategoryAp> perCategory, double[] precision, double[] recall, int[] categoryIds)
    {
        Stats = stats;
        PerCategory = perCategory;
        _precision = precision;
        _recall = recall;
        CategoryIds = categoryIds;
    }

    public CocoStats Stats { get; }

    /// <summary>One entry per GT category (sorted by id); AP = −1 where the category has no non-crowd gt.</summary>
    public IReadOnlyList<CategoryAp> PerCategory { get; }

    /// <summary>GT category ids in the K order of the arrays.</summary>
    public IReadOnlyList<int> CategoryIds { get; }

    /// <summary>pycocotools eval['precision'][t, r, k, a, m].</summary>
    public double Precision(int t, int r, int k, int a, int m) =>
        _precision[CocoEvalParams.PrecisionIndex(t, r, k, a, m)];

    /// <summary>pycocotools eval['recall'][t, k, a, m].</summary>
    public double Recall(int t, int k, int a, int m) =>
        _recall[CocoEvalParams.RecallIndex(t, k, a, m)];
}
