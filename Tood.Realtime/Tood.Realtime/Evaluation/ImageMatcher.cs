namespace Tood.Realtime.Evaluation;

/// <summary>Outcome of one detection at one IoU threshold and area range (pycocotools dtm/dtIg folded).</summary>
internal enum DetOutcome : byte
{
    FalsePositive = 0,
    TruePositive = 1,
    /// <summary>Matched an ignored gt (crowd / out of area range), or unmatched and itself out of range.</summary>
    Ignored = 2,
}

/// <summary>
/// pycocotools <c>computeIoU</c> + <c>evaluateImg</c> for one (image, category) bucket: greedy matching of
/// score-sorted detections to ground truth at every IoU threshold, for every area range.
/// Reusable scratch buffers; one instance per worker thread.
/// </summary>
internal sealed class ImageMatcher
{
    private double[] _ious = new double[256];
    private int[] _perm = new int[16];
    private bool[] _gtIgSorted = new bool[16];
    private bool[] _crowdSorted = new bool[16];
    private long[] _idSorted = new long[16];
    private bool[] _gtMatched = new bool[16];

    /// <summary>
    /// Writes outcomes for the bucket's detections to <paramref name="outcomes"/> laid out
    /// [det][area][threshold] and adds each area's count of non-ignored gts to <paramref name="npig"/>.
    /// </summary>
    public void Match(ReadOnlySpan<GtBox> gts, ReadOnlySpan<DetBox> dets, Span<DetOutcome> outcomes, Span<int> npig)
    {
        const int T = CocoEvalParams.T, A = CocoEvalParams.A;
        int G = gts.Length, D = dets.Length;
        EnsureCapacity(G, D);
        var thresholds = CocoEvalParams.IouThresholds;
        var areas = CocoEvalParams.AreaRanges;

        if (G == 0)
        {
            // No gt: every detection is unmatched → FP inside the area range, ignored outside.
            for (int d = 0; d < D; d++)
                for (int a = 0; a < A; a++)
                    outcomes.Slice((d * A + a) * T, T).Fill(areas[a].Contains(dets[d].Area) ? DetOutcome.FalsePositive : DetOutcome.Ignored);
            return;
        }

        var ious = ComputeIous(gts, dets);
        for (int a = 0; a < A; a++)
        {
            npig[a] += SortGts(gts, areas[a]);
            for (int t = 0; t < T; t++)
                MatchAtThreshold(ious, G, dets, areas[a], Math.Min(thresholds[t], 1 - 1e-10), outcomes, a * T + t);
        }
    }

    /// <summary>computeIoU: ious[d, g] with dets score-sorted, gts in file order (maskApi bbIou).</summary>
    private Span<double> ComputeIous(ReadOnlySpan<GtBox> gts, ReadOnlySpan<DetBox> dets)
    {
        int G = gts.Length, D = dets.Length;
        var ious = _ious.AsSpan(0, D * G);
        for (int d = 0; d < D; d++)
        {
            var db = dets[d];
            ReadOnlySpan<double> dBox = [db.X, db.Y, db.W, db.H];
            for (int g = 0; g < G; g++)
            {
                var gb = gts[g];
                ious[d * G + g] = BoxIou.Compute(dBox, [gb.X, gb.Y, gb.W, gb.H], gb.Crowd);
            }
        }
        return ious;
    }

    /// <summary>
    /// gt '_ignore' = iscrowd or area outside range; a stable argsort puts ignored last (into the sorted scratch
    /// arrays). Returns the count of non-ignored gts.
    /// </summary>
    private int SortGts(ReadOnlySpan<GtBox> gts, AreaRange range)
    {
        int G = gts.Length, n = 0;
        for (int g = 0; g < G; g++)
            if (!gts[g].Crowd && range.Contains(gts[g].Area)) _perm[n++] = g;
        int regular = n;
        for (int g = 0; g < G; g++)
            if (gts[g].Crowd || !range.Contains(gts[g].Area)) _perm[n++] = g;
        for (int s = 0; s < G; s++)
        {
            var gb = gts[_perm[s]];
            _gtIgSorted[s] = gb.Crowd || !range.Contains(gb.Area);
            _crowdSorted[s] = gb.Crowd;
            _idSorted[s] = gb.Id;
        }
        return regular;
    }

    /// <summary>evaluateImg's greedy matching at one IoU threshold and area range; outcome index d·A·T + at.</summary>
    private void MatchAtThreshold(ReadOnlySpan<double> ious, int G, ReadOnlySpan<DetBox> dets, AreaRange range, double thr,
        Span<DetOutcome> outcomes, int at)
    {
        const int TA = CocoEvalParams.T * CocoEvalParams.A;
        Array.Clear(_gtMatched, 0, G);
        for (int d = 0; d < dets.Length; d++)
        {
            double best = thr;
            int m = -1, row = d * G;
            for (int s = 0; s < G; s++)
            {
                // already matched and not crowd: skip
                if (_gtMatched[s] && !_crowdSorted[s]) continue;
                // matched a regular gt already and reached the ignored tail: stop
                if (m > -1 && !_gtIgSorted[m] && _gtIgSorted[s]) break;
                double iou = ious[row + _perm[s]];
                if (iou < best) continue;
                best = iou;
                m = s;
            }
            bool dtIg = false;
            long dtm = 0; // pycocotools stores the matched gt id; 0 reads as "unmatched"
            if (m > -1)
            {
                dtIg = _gtIgSorted[m];
                dtm = _idSorted[m];
                _gtMatched[m] = true; // gtm = det id, always ≥ 1 (loadRes numbers from 1)
            }
            if (dtm == 0 && !range.Contains(dets[d].Area)) dtIg = true;
            outcomes[d * TA + at] = dtIg ? DetOutcome.Ignored
                : dtm != 0 ? DetOutcome.TruePositive : DetOutcome.FalsePositive;
        }
    }

    private void EnsureCapacity(int g, int d)
    {
        if (_ious.Length < g * d) _ious = new double[Math.Max(g * d, _ious.Length * 2)];
        if (_perm.Length < g)
        {
            int c = Math.Max(g, _perm.Length * 2);
            _perm = new int[c];
            _gtIgSorted = new bool[c];
            _crowdSorted = new bool[c];
            _idSorted = new long[c];
            _gtMatched = new bool[c];
        }
    }
}
