namespace Tood.Realtime.Evaluation;

/// <summary>
/// pycocotools <c>accumulate</c> for one category: for each area range, maxDet and IoU threshold, the
/// precision at the 101 recall thresholds and the final recall. Reusable scratch; one per worker thread.
/// </summary>
internal sealed class PrecisionAccumulator
{
    private double[] _rc = new double[256];
    private double[] _pr = new double[256];

    /// <param name="sortedPos">category detections (image-sorted concatenation) in global score order</param>
    /// <param name="rank">per detection: its rank inside its (image, category) bucket</param>
    /// <param name="outcomes">[det][area][threshold]</param>
    /// <param name="npig">per area: non-ignored gts of the category over all images</param>
    public void Accumulate(int k, int numCategories, ReadOnlySpan<int> sortedPos, ReadOnlySpan<int> rank,
        ReadOnlySpan<DetOutcome> outcomes, ReadOnlySpan<int> npig, Span<double> precision, Span<double> recall)
    {
        const int T = CocoEvalParams.T, R = CocoEvalParams.R, A = CocoEvalParams.A, M = CocoEvalParams.M;
        int K = numCategories;
        var recThrs = CocoEvalParams.RecallThresholds;
        var maxDets = CocoEvalParams.MaxDets;
        int n = sortedPos.Length;
        if (_rc.Length < n) { _rc = new double[n]; _pr = new double[n]; }

        for (int a = 0; a < A; a++)
        {
            // No non-ignored gt (this also covers "no evalImg at all"): precision/recall stay −1.
            if (npig[a] == 0) continue;
            double np = npig[a];
            for (int m = 0; m < M; m++)
            {
                int maxDet = maxDets[m];
                for (int t = 0; t < T; t++)
                {
                    // cumsum of tps / fps along the score-sorted detections (ignored ones keep a slot).
                    int tp = 0, fp = 0, nd = 0;
                    for (int i = 0; i < n; i++)
                    {
                        int pos = sortedPos[i];
                        if (rank[pos] >= maxDet) continue;
                        var o = outcomes[(pos * A + a) * T + t];
                        if (o == DetOutcome.TruePositive) tp++;
                        else if (o == DetOutcome.FalsePositive) fp++;
                        double tpd = tp;
                        _rc[nd] = tpd / np;
                        _pr[nd] = tpd / ((double)fp + tpd + NumpyCompat.Spacing1);
                        nd++;
                    }
                    recall[((t * K + k) * A + a) * M + m] = nd > 0 ? _rc[nd - 1] : 0.0;

                    // precision envelope, right to left
                    for (int i = nd - 1; i > 0; i--)
                        if (_pr[i] > _pr[i - 1]) _pr[i - 1] = _pr[i];

                    // np.searchsorted(rc, recThrs, side='left'); past the end → 0 for the rest.
                    int j = 0;
                    for (int r = 0; r < R; r++)
                    {
                        double thr = recThrs[r];
                        while (j < nd && _rc[j] < thr) j++;
                        precision[(((t * R + r) * K + k) * A + a) * M + m] = j < nd ? _pr[j] : 0.0;
                    }
                }
            }
        }
    }
}
