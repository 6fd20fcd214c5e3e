namespace Tood.Realtime.Evaluation;

/// <summary>One line of pycocotools <c>summarize()</c> (<c>_summarize(ap, iouThr, areaRng, maxDets)</c>).</summary>
public readonly record struct SummarySpec(bool IsAp, double? IouThr, string Area, int MaxDets)
{
    /// <summary>The 12 lines of <c>_summarizeDets</c>, in stats order.</summary>
    public static IReadOnlyList<SummarySpec> Detection { get; } =
    [
        new(true, null, "all", 100),
        new(true, 0.5, "all", 100),
        new(true, 0.75, "all", 100),
        new(true, null, "small", 100),
        new(true, null, "medium", 100),
        new(true, null, "large", 100),
        new(false, null, "all", 1),
        new(false, null, "all", 10),
        new(false, null, "all", 100),
        new(false, null, "small", 100),
        new(false, null, "medium", 100),
        new(false, null, "large", 100),
    ];

    /// <summary>pycocotools' line: <c>' {:&lt;18} {} @[ IoU={:&lt;9} | area={:&gt;6s} | maxDets={:&gt;3d} ] = {:0.3f}'</c>.</summary>
    public string FormatLine(double value)
    {
        var thr = CocoEvalParams.IouThresholds;
        string title = IsAp ? "Average Precision" : "Average Recall";
        string type = IsAp ? "(AP)" : "(AR)";
        string iou = IouThr is double t
            ? PyFormat.Fixed(t, 2)
            : PyFormat.Fixed(thr[0], 2) + ":" + PyFormat.Fixed(thr[^1], 2);
        return $" {title,-18} {type} @[ IoU={iou,-9} | area={Area,6} | maxDets={MaxDets,3} ] = {PyFormat.Fixed(value, 3)}";
    }
}

/// <summary>pycocotools <c>summarize()</c> over the accumulated precision [T,R,K,A,M] and recall [T,K,A,M].</summary>
internal static class CocoSummarizer
{
    public static double Summarize(SummarySpec spec, ReadOnlySpan<double> precision, ReadOnlySpan<double> recall, int K)
    {
        const int T = CocoEvalParams.T, R = CocoEvalParams.R;
        var thrs = CocoEvalParams.IouThresholds;
        int a = IndexOfArea(spec.Area);
        int m = CocoEvalParams.MaxDets.IndexOf(spec.MaxDets);
        if (a < 0 || m < 0) throw new ArgumentException($"unknown summary spec {spec}", nameof(spec));

        // s[s > -1] in C order (t, r, k) then np.mean; thresholds chosen by exact equality (np.where).
        var values = new List<double>(T * R * K);
        for (int t = 0; t < T; t++)
        {
            if (spec.IouThr is double want && thrs[t] != want) continue;
            if (spec.IsAp)
            {
                for (int r = 0; r < R; r++)
                    for (int k = 0; k < K; k++)
                    {
                        double v = precision[CocoEvalParams.PrecisionIndex(t, r, k, a, m)];
                        if (v > -1) values.Add(v);
                    }
            }
            else
            {
                for (int k = 0; k < K; k++)
                {
                    double v = recall[CocoEvalParams.RecallIndex(t, k, a, m)];
                    if (v > -1) values.Add(v);
                }
            }
        }
        return values.Count == 0 ? -1.0 : NumpyCompat.Mean(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
    }

    internal static int IndexOfArea(string label)
    {
        var areas = CocoEvalParams.AreaRanges;
        for (int i = 0; i < areas.Count; i++) if (areas[i].Label == label) return i;
        return -1;
    }
}
