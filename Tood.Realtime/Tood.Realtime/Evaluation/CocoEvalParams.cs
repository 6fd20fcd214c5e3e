namespace Tood.Realtime.Evaluation;

/// <summary>One COCO area range: a box is inside when Min ≤ area ≤ Max (both ends inclusive).</summary>
public readonly record struct AreaRange(string Label, double Min, double Max)
{
    public bool Contains(double area) => !(area < Min || area > Max);
}

/// <summary>
/// pycocotools <c>Params.setDetParams</c> for iouType='bbox': the fixed grids the protocol is defined on.
/// Values are produced exactly as NumPy produces them (see <see cref="NumpyCompat.Linspace"/>).
/// </summary>
public static class CocoEvalParams
{
    /// <summary>np.linspace(.5, 0.95, 10): .50:.05:.95.</summary>
    public static ReadOnlySpan<double> IouThresholds => s_iouThrs;

    /// <summary>np.linspace(.0, 1.00, 101).</summary>
    public static ReadOnlySpan<double> RecallThresholds => s_recThrs;

    /// <summary>[1, 10, 100], ascending (pycocotools sorts them).</summary>
    public static ReadOnlySpan<int> MaxDets => s_maxDets;

    /// <summary>all, small, medium, large with the 1e5² upper bound pycocotools uses.</summary>
    public static IReadOnlyList<AreaRange> AreaRanges => s_areaRanges;

    // Immutable after type initialisation (no mutable static state is exposed: spans are read-only).
    private static readonly double[] s_iouThrs = NumpyCompat.Linspace(0.5, 0.95, 10);
    private static readonly double[] s_recThrs = NumpyCompat.Linspace(0.0, 1.00, 101);
    private static readonly int[] s_maxDets = [1, 10, 100];
    private static readonly AreaRange[] s_areaRanges =
    [
        new("all", 0.0, 1e5 * 1e5),
        new("small", 0.0, 32.0 * 32.0),
        new("medium", 32.0 * 32.0, 96.0 * 96.0),
        new("large", 96.0 * 96.0, 1e5 * 1e5),
    ];

    internal const int T = 10, R = 101, A = 4, M = 3;

    // Internal storage of pycocotools' precision[T,R,K,A,M] / recall[T,K,A,M]: category-major, so one
    // category's accumulate writes a contiguous block (the public accessors keep pycocotools' indexing).
    internal static int PrecisionIndex(int t, int r, int k, int a, int m) => ((((k * A + a) * M + m) * T + t) * R) + r;
    internal static int RecallIndex(int t, int k, int a, int m) => ((k * A + a) * M + m) * T + t;

    /// <summary>Largest maxDet: detections per (image, category) kept after the score sort.</summary>
    internal const int MaxDetLast = 100;
}
