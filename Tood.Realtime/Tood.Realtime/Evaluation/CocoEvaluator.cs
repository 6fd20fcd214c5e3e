using Tood.Realtime.Coco;

namespace Tood.Realtime.Evaluation;

/// <summary>
/// COCO bbox evaluation, exact to pycocotools <c>COCOeval(gt, dt, 'bbox')</c>
/// evaluate() → accumulate() → summarize() (spec §6: standard COCO bbox AP).
/// Construct once per ground truth (the GT grouping is reused), then <see cref="EvaluateDetailed(IReadOnlyList{CocoAnnotation})"/>
/// as often as needed; instances are immutable and thread-safe.
/// </summary>
public sealed class CocoEvaluator
{
    private readonly GroundTruthIndex _gt;
    private readonly ParallelOptions _parallel;

    /// <param name="groundTruth">COCO ground truth; images and categories define what is evaluated</param>
    /// <param name="maxDegreeOfParallelism">worker threads over categories (−1: all cores, 1: run inline)</param>
    public CocoEvaluator(CocoFile groundTruth, int maxDegreeOfParallelism = -1)
    {
        _gt = new GroundTruthIndex(groundTruth);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
    }

    /// <summary>One-shot evaluation: the 12 pycocotools stats.</summary>
    public static CocoStats Evaluate(CocoFile groundTruth, IReadOnlyList<CocoAnnotation> detections) =>
        new CocoEvaluator(groundTruth).EvaluateDetailed(detections).Stats;

    /// <summary>
    /// Evaluates detections ([x,y,w,h] boxes with scores). Throws <see cref="ArgumentException"/> naming the
    /// detection for an image id / category id absent from the ground truth (pycocotools asserts on the former
    /// and silently drops the latter; an unknown category here is a label-mapping bug worth stopping on).
    /// </summary>
    public CocoEvaluation EvaluateDetailed(IReadOnlyList<CocoAnnotation> detections)
    {
        const int T = CocoEvalParams.T, R = CocoEvalParams.R, A = CocoEvalParams.A, M = CocoEvalParams.M;
        var dt = new DetectionIndex(_gt, detections);
        int K = _gt.NumCategories, I = _gt.NumImages;
        var precision = new double[T * R * K * A * M];
        var recall = new double[T * K * A * M];
        Array.Fill(precision, -1.0);
        Array.Fill(recall, -1.0);
        var npigAll = new int[K * A];

        // Categories are independent: each writes only its own k entries.
        Parallel.For(0, K, _parallel,
            () => (new ImageMatcher(), new PrecisionAccumulator()),
            (k, _, workers) =>
            {
                EvaluateCategory(k, dt, workers.Item1, workers.Item2, precision, recall, npigAll.AsSpan(k * A, A));
                return workers;
            },
            _ => { });

        var stats = new double[CocoStats.Count];
        for (int i = 0; i < stats.Length; i++)
            stats[i] = CocoSummarizer.Summarize(SummarySpec.Detection[i], precision, recall, K);

        var perCat = new CategoryAp[K];
        for (int k = 0; k < K; k++)
        {
            perCat[k] = new CategoryAp(_gt.CategoryIds[k], _gt.CategoryNames[k],
                CategoryMean(precision, k, K, null),
                CategoryMean(precision, k, K, 0.5),
                CategoryMean(precision, k, K, 0.75),
                npigAll[k * A]);
        }
        return new CocoEvaluation(CocoStats.FromArray(stats), perCat, precision, recall, _gt.CategoryIds);
    }

    private void EvaluateCategory(int k, DetectionIndex dt, ImageMatcher matcher, PrecisionAccumulator acc,
        double[] precision, double[] recall, Span<int> npig)
    {
        const int T = CocoEvalParams.T, A = CocoEvalParams.A;
        int I = _gt.NumImages, K = _gt.NumCategories;
        int firstBucket = k * I;
        int catDetStart = dt.BucketStart[firstBucket];
        int n = dt.BucketStart[firstBucket + I] - catDetStart;

        var outcomes = new DetOutcome[n * A * T];
        var rank = new int[n];
        for (int img = 0; img < I; img++)
        {
            int b = firstBucket + img;
            int gLo = _gt.BucketStart[b], gHi = _gt.BucketStart[b + 1];
            int dLo = dt.BucketStart[b], dHi = dt.BucketStart[b + 1];
            if (gLo == gHi && dLo == dHi) continue; // evaluateImg returns None
            int local = dLo - catDetStart;
            for (int i = 0; i < dHi - dLo; i++) rank[local + i] = i;
            matcher.Match(_gt.Boxes.AsSpan(gLo, gHi - gLo), dt.Boxes.AsSpan(dLo, dHi - dLo),
                outcomes.AsSpan(local * A * T, (dHi - dLo) * A * T), npig);
        }

        // accumulate: detections of all images (sorted image order, per-image score order) merged by a
        // stable descending score sort. The same order serves every maxDet: a stable sort of a subset is
        // the subsequence of the stable sort of the whole.
        var sortedPos = new int[n];
        var keys = new double[n];
        for (int i = 0; i < n; i++) { sortedPos[i] = i; keys[i] = dt.Boxes[catDetStart + i].Score; }
        DetectionIndex.StableSortDescending(sortedPos, keys);
        // Lay outcomes and ranks out in score order so the accumulate walks are sequential.
        var sortedOutcomes = new DetOutcome[outcomes.Length];
        var sortedRank = new int[n];
        for (int i = 0; i < n; i++)
        {
            int pos = sortedPos[i];
            sortedRank[i] = rank[pos];
            outcomes.AsSpan(pos * A * T, A * T).CopyTo(sortedOutcomes.AsSpan(i * A * T, A * T));
        }
        acc.Accumulate(k, K, sortedRank, sortedOutcomes, npig, precision, recall);
    }

    private static double CategoryMean(double[] precision, int k, int K, double? iouThr)
    {
        const int T = CocoEvalParams.T, R = CocoEvalParams.R, M = CocoEvalParams.M;
        var values = new List<double>(T * R);
        for (int t = 0; t < T; t++)
        {
            if (iouThr is double want && CocoEvalParams.IouThresholds[t] != want) continue;
            for (int r = 0; r < R; r++)
            {
                double v = precision[CocoEvalParams.PrecisionIndex(t, r, k, 0, M - 1)];
                if (v > -1) values.Add(v);
            }
        }
        return values.Count == 0 ? -1.0 : NumpyCompat.Mean(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
    }
}
