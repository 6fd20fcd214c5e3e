namespace Tood.Realtime.Evaluation;

/// <summary>
/// Bit-exact replicas of the few NumPy primitives whose floating-point behaviour pycocotools'
/// results depend on (threshold grids, the final mean). Kept separate so each can be checked alone.
/// </summary>
internal static class NumpyCompat
{
    /// <summary>np.spacing(1.0): the gap pycocotools adds to the precision denominator.</summary>
    public const double Spacing1 = 2.220446049250313e-16;

    /// <summary>
    /// np.linspace(start, stop, num, endpoint=True): y[i] = i·step + start with step = (stop−start)/(num−1),
    /// computed as two separately rounded operations, and the last element set to <paramref name="stop"/>.
    /// This is why e.g. the 0.70 IoU threshold is not the double nearest 0.7.
    /// </summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        var y = new double[num];
        if (num == 0) return y;
        if (num == 1) { y[0] = start; return y; }
        double delta = stop - start;
        double step = delta / (num - 1);
        for (int i = 0; i < num; i++)
        {
            double v = i * step; // rounded product, then rounded sum: no FMA (matches y*step; y+=start)
            y[i] = v + start;
        }
        y[num - 1] = stop;
        return y;
    }

    /// <summary>
    /// np.mean of a contiguous float64 vector: add.reduce (identity 0.0 plus pairwise summation over
    /// buffer-sized chunks of 8192) divided by the count.
    /// </summary>
    public static double Mean(ReadOnlySpan<double> values)
    {
        const int BufferSize = 8192;
        double sum = 0.0;
        for (int start = 0; start < values.Length; start += BufferSize)
        {
            int n = Math.Min(BufferSize, values.Length - start);
            sum += PairwiseSum(values.Slice(start, n));
        }
        return sum / values.Length;
    }

    /// <summary>NumPy's pairwise_sum (loops_utils.h): 8-way unrolled blocks of ≤128, halving above.</summary>
    public static double PairwiseSum(ReadOnlySpan<double> a)
    {
        const int BlockSize = 128;
        int n = a.Length;
        if (n < 8)
        {
            double res = 0.0;
            for (int i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= BlockSize)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8)
            {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) res += a[i];
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a[..n2]) + PairwiseSum(a[n2..]);
    }
}
