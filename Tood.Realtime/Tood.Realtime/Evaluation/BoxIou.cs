namespace Tood.Realtime.Evaluation;

/// <summary>
/// COCO box IoU as pycocotools' maskApi.c <c>bbIou</c> computes it, operation for operation, on
/// [x, y, w, h] boxes. For a crowd ground truth the union is the detection area alone, so the value is
/// "fraction of the detection inside the crowd region".
/// </summary>
public static class BoxIou
{
    /// <summary>IoU of detection <paramref name="d"/> against ground truth <paramref name="g"/> (both [x,y,w,h]).</summary>
    public static double Compute(ReadOnlySpan<double> d, ReadOnlySpan<double> g, bool gtIsCrowd)
    {
        double ga = g[2] * g[3];
        double da = d[2] * d[3];
        double w = Math.Min(d[2] + d[0], g[2] + g[0]) - Math.Max(d[0], g[0]);
        if (w <= 0) return 0.0;
        double h = Math.Min(d[3] + d[1], g[3] + g[1]) - Math.Max(d[1], g[1]);
        if (h <= 0) return 0.0;
        double i = w * h;
        double u = gtIsCrowd ? da : da + ga - i;
        return i / u;
    }
}
