namespace Tood.Train.Export.Quantize;

/// <summary>
/// An activation's quantization range [Lo, Hi] (Lo ≤ 0 ≤ Hi, so zero is exact, which zero padding and ReLU need)
/// from its <see cref="TensorStats"/>, by <see cref="CalibrationMethod"/>.
/// </summary>
internal static class RangeEstimator
{
    /// <summary>Share of values kept inside the range by <see cref="CalibrationMethod.Percentile"/>, per tail.</summary>
    public const double Percentile = 99.99;

    public static (float Lo, float Hi) Range(TensorStats s, CalibrationMethod method)
    {
        if (!s.Seen) throw new InvalidOperationException($"calibration never saw '{s.Name}'");
        float lo = Math.Min(s.Min, 0), hi = Math.Max(s.Max, 0);
        if (method == CalibrationMethod.MinMax || s.Values is null || s.Magnitudes is null || hi - lo <= 0) return (lo, hi);
        if (method == CalibrationMethod.Percentile)
        {
            double tail = (100 - Percentile) / 100;
            float pLo = s.Min < 0 ? ValueAt(s, tail) : 0, pHi = s.Max > 0 ? ValueAt(s, 1 - tail) : 0;
            return (Math.Min(pLo, 0), Math.Max(pHi, 0));
        }
        // Entropy: a threshold T on |x|. Non-negative tensors (after ReLU) spread all 256 uint8 levels over [0, T];
        // signed ones have 128 per side, as TensorRT's symmetric int8.
        int levels = s.Min >= 0 ? 256 : 128;
        float t = EntropyThreshold(s.Magnitudes, s.AbsMax, levels);
        return (Math.Max(lo, -t), Math.Min(hi, t));
    }

    /// <summary>The value below which a share <paramref name="q"/> of all values lie (bin upper edge).</summary>
    private static float ValueAt(TensorStats s, double q)
    {
        var h = s.Values!;
        double target = q * s.Count, seen = 0;
        float width = (s.Max - s.Min) / TensorStats.Bins;
        for (int i = 0; i < h.Length; i++)
        {
            seen += h[i];
            if (seen >= target) return s.Min + (i + 1) * width;
        }
        return s.Max;
    }

    /// <summary>
    /// TensorRT's entropy calibration (Migacz, "8-bit Inference with TensorRT", GTC 2017): for each candidate
    /// threshold bin i ≥ levels, P = hist[0..i) with the clipped tail added to its last bin, Q = hist[0..i) merged into
    /// <paramref name="levels"/> bins and expanded back over its non-empty bins; the i with the least KL(P‖Q) wins.
    /// Candidates are tried every 4 bins (the divergence is smooth; the full scan costs 4× as much for no change).
    /// </summary>
    internal static float EntropyThreshold(long[] hist, float absMax, int levels)
    {
        int bins = hist.Length;
        if (bins <= levels) return absMax;
        var p = new double[bins];
        var q = new double[bins];
        double bestKl = double.PositiveInfinity;
        int best = bins;
        for (int i = levels; i <= bins; i += 4)
        {
            double outliers = 0;
            for (int k = i; k < bins; k++) outliers += hist[k];
            for (int k = 0; k < i; k++) p[k] = hist[k];
            p[i - 1] += outliers;
            // Q: hist[0..i) WITHOUT the clipped tail, merged into `levels` chunks, each chunk's total spread over its
            // non-empty bins. The tail is in P's last bin only: that mismatch is what clipping costs.
            for (int j = 0; j < levels; j++)
            {
                int start = (int)((long)j * i / levels), end = (int)((long)(j + 1) * i / levels);
                double sum = 0; int nonZero = 0;
                for (int k = start; k < end; k++) { sum += hist[k]; if (hist[k] != 0) nonZero++; }
                for (int k = start; k < end; k++) q[k] = hist[k] != 0 ? sum / nonZero : 0;
            }
            double kl = Divergence(p, q, i);
            if (kl < bestKl) { bestKl = kl; best = i; }
        }
        return absMax * best / bins;
    }

    /// <summary>KL(P‖Q) over the first <paramref name="n"/> bins, both normalised; bins where P is 0 add nothing, and a
    /// Q of 0 where P is not (the clipped tail folded into an empty last bin) is smoothed to a tiny mass, which makes
    /// that threshold expensive.</summary>
    private static double Divergence(double[] p, double[] q, int n)
    {
        double sp = 0, sq = 0;
        for (int k = 0; k < n; k++) { sp += p[k]; sq += q[k]; }
        if (sp <= 0 || sq <= 0) return double.PositiveInfinity;
        double kl = 0;
        for (int k = 0; k < n; k++)
        {
            if (p[k] <= 0) continue;
            double pk = p[k] / sp, qk = Math.Max(q[k] / sq, 1e-12);
            kl += pk * Math.Log(pk / qk);
        }
        return kl;
    }
}
