namespace Tood.Realtime.Evaluation;

/// <summary>
/// pycocotools <c>accumulate</c> for one category: for each area range, maxDet and IoU threshold, the
/// precision at the 101 recall thresholds and the final recall. Reusable scratch; one per worker thread.
/// </summary>
/// <remarks>
/// pycocotools builds rc/pr at every detection slot (ignored ones included), makes pr monotone from the
/// right and reads it at <c>searchsorted(rc, r, 'left')</c>. Only true-positive slots can matter: rc rises
/// only at a TP, so the first slot with rc ≥ r (r &gt; 0) is a TP slot; pr falls at every FP and is 0 before
/// the first TP, so the right-to-left maximum from a TP slot is the maximum over later TP slots; for r = 0
/// the read is the overall maximum, again a TP value (or 0 when there is none). Keeping just the TP slots
/// therefore gives bit-identical precision with one division per TP instead of two per detection.
/// </remarks>
internal sealed class PrecisionAccumulator
{
    private const int T = CocoEvalParams.T, R = CocoEvalParams.R, A = CocoEvalParams.A, M = CocoEvalParams.M;
    private double[] _rc = new double[T * 64];
    private double[] _pr = new double[T * 64];
    private readonly int[] _tp = new int[T];
    private readonly int[] _fp = new int[T];
    private readonly int[] _ntp = new int[T];

    /// <param name="rank">per detection in global score order: its rank inside its (image, category) bucket</param>
    /// <param name="outcomes">per detection in global score order: [area][threshold]</param>
    /// <param name="npig">per area: non-ignored gts of the category over all images</param>
    public void Accumulate(int k, int numCategories, ReadOnlySpan<int> rank,
        ReadOnlySpan<DetOutcome> outcomes, ReadOnlySpan<int> npig, Span<double> precision, Span<double> recall)
    {
        int K = numCategories;
        var recThrs = CocoEvalParams.RecallThresholds;
        var maxDets = CocoEvalParams.MaxDets;
        int n = rank.Length;
        if (_rc.Length < T * n) { _rc = new double[T * n]; _pr = new double[T * n]; }

        for (int a = 0; a < A; a++)
        {
            // No non-ignored gt (this also covers "no evalImg at all"): precision/recall stay −1.
            if (npig[a] == 0) continue;
            double np = npig[a];
            for (int m = 0; m < M; m++)
            {
                int maxDet = maxDets[m];
                Array.Clear(_tp); Array.Clear(_fp); Array.Clear(_ntp);
                // One walk along the score-sorted detections for all thresholds: cumulative tp / fp,
                // recording rc and pr at TP slots (row t of _rc/_pr holds threshold t).
                for (int i = 0; i < n; i++)
                {
                    if (rank[i] >= maxDet) continue;
                    var row = outcomes.Slice((i * A + a) * T, T);
                    for (int t = 0; t < T; t++)
                    {
                        var o = row[t];
                        if (o == DetOutcome.FalsePositive) _fp[t]++;
                        else if (o == DetOutcome.TruePositive)
                        {
                            double tpd = ++_tp[t];
                            int slot = t * n + _ntp[t]++;
                            _rc[slot] = tpd / np;
                            _pr[slot] = tpd / ((double)_fp[t] + tpd + NumpyCompat.Spacing1);
                        }
                    }
                }
                for (int t = 0; t < T; t++)
                {
                    // rc[-1] (0 for no detections: tp is then 0 too)
                    recall[CocoEvalParams.RecallIndex(t, k, a, m)] = _tp[t] / np;
                    var rc = _rc.AsSpan(t * n, _ntp[t]);
                    var pr = _pr.AsSpan(t * n, _ntp[t]);
                    // precision envelope, right to left
                    for (int i = pr.Length - 1; i > 0; i--)
                        if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                    // np.searchsorted(rc, recThrs, side='left'); past the end → 0 for the rest.
                    int j = 0;
                    for (int r = 0; r < R; r++)
                    {
                        double thr = recThrs[r];
                        while (j < rc.Length && rc[j] < thr) j++;
                        precision[CocoEvalParams.PrecisionIndex(t, r, k, a, m)] = j < rc.Length ? pr[j] : 0.0;
                    }
                }
            }
        }
    }
}
