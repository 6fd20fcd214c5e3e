using Tood.Realtime.Coco;

namespace Tood.Realtime.Evaluation;

/// <summary>One detection as the matcher needs it; Area = w·h as pycocotools' loadRes sets it.</summary>
internal readonly record struct DetBox(double X, double Y, double W, double H, double Area, double Score);

/// <summary>
/// Detections grouped into the same (category, image) buckets as <see cref="GroundTruthIndex"/>,
/// each bucket sorted by descending score with ties in input order (numpy
/// <c>argsort(-scores, kind='mergesort')</c>) and cut to the first 100 (maxDets[-1]), exactly as
/// computeIoU/evaluateImg see them. Position inside the bucket is the per-image rank used by maxDets.
/// </summary>
internal sealed class DetectionIndex
{
    public int[] BucketStart { get; }
    public DetBox[] Boxes { get; }

    public DetectionIndex(GroundTruthIndex gt, IReadOnlyList<CocoAnnotation> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        int numBuckets = gt.NumCategories * gt.NumImages;
        var bucketOf = new int[detections.Count];
        var counts = new int[numBuckets + 1];
        for (int n = 0; n < detections.Count; n++)
        {
            var d = detections[n] ?? throw new ArgumentException($"detection #{n} is null", nameof(detections));
            if (!gt.ImageIndex.TryGetValue(d.ImageId, out int img))
                throw new ArgumentException($"detection #{n}: image_id {d.ImageId} is not an image of the ground truth", nameof(detections));
            if (!gt.CategoryIndex.TryGetValue(d.CategoryId, out int cat))
                throw new ArgumentException($"detection #{n}: category_id {d.CategoryId} is not a category of the ground truth", nameof(detections));
            if (d.Bbox is not { Length: 4 })
                throw new ArgumentException($"detection #{n}: bbox must be [x, y, w, h], got {d.Bbox?.Length ?? 0} values", nameof(detections));
            if (d.Score is not double s || double.IsNaN(s))
                throw new ArgumentException($"detection #{n}: missing or NaN score", nameof(detections));
            int b = cat * gt.NumImages + img;
            bucketOf[n] = b;
            counts[b + 1]++;
        }
        for (int b = 0; b < numBuckets; b++) counts[b + 1] += counts[b];

        // Stable scatter into buckets (input order kept), then a stable score sort per bucket.
        var order = new int[detections.Count];
        var cursor = (int[])counts.Clone();
        for (int n = 0; n < detections.Count; n++) order[cursor[bucketOf[n]]++] = n;

        var start = new int[numBuckets + 1];
        var kept = new List<DetBox>(Math.Min(detections.Count, numBuckets * CocoEvalParams.MaxDetLast));
        var scores = new double[64];
        for (int b = 0; b < numBuckets; b++)
        {
            start[b] = kept.Count;
            int lo = counts[b], len = counts[b + 1] - lo;
            if (len == 0) continue;
            var span = order.AsSpan(lo, len);
            if (scores.Length < len) scores = new double[len];
            for (int i = 0; i < len; i++) scores[i] = detections[span[i]].Score!.Value;
            StableSortDescending(span, scores.AsSpan(0, len));
            int keep = Math.Min(len, CocoEvalParams.MaxDetLast);
            for (int i = 0; i < keep; i++)
            {
                var d = detections[span[i]];
                double w = d.Bbox[2], h = d.Bbox[3];
                kept.Add(new DetBox(d.Bbox[0], d.Bbox[1], w, h, w * h, d.Score!.Value));
            }
        }
        start[numBuckets] = kept.Count;
        BucketStart = start;
        Boxes = kept.ToArray();
    }

    /// <summary>
    /// Sorts <paramref name="idx"/> (ascending input indices) by descending key, ties keeping input
    /// order — the permutation numpy's stable mergesort of −score gives. Keys are co-sorted.
    /// </summary>
    internal static void StableSortDescending(Span<int> idx, Span<double> keys)
    {
        // Insertion sort for the usual small bucket; merge sort for large ones.
        if (idx.Length <= 32)
        {
            for (int i = 1; i < idx.Length; i++)
            {
                int vi = idx[i]; double vk = keys[i];
                int j = i - 1;
                while (j >= 0 && keys[j] < vk) { idx[j + 1] = idx[j]; keys[j + 1] = keys[j]; j--; }
                idx[j + 1] = vi; keys[j + 1] = vk;
            }
            return;
        }
        var tmpIdx = new int[idx.Length];
        var tmpKeys = new double[idx.Length];
        MergeSort(idx, keys, tmpIdx, tmpKeys);
    }

    private static void MergeSort(Span<int> idx, Span<double> keys, Span<int> tmpIdx, Span<double> tmpKeys)
    {
        int n = idx.Length;
        if (n <= 32) { StableSortDescending(idx, keys); return; }
        int mid = n / 2;
        MergeSort(idx[..mid], keys[..mid], tmpIdx[..mid], tmpKeys[..mid]);
        MergeSort(idx[mid..], keys[mid..], tmpIdx[mid..], tmpKeys[mid..]);
        idx.CopyTo(tmpIdx); keys.CopyTo(tmpKeys);
        int a = 0, b = mid, o = 0;
        while (a < mid && b < n)
        {
            // Take from the right half only when strictly greater: equal keys keep left-first order.
            if (tmpKeys[b] > tmpKeys[a]) { idx[o] = tmpIdx[b]; keys[o++] = tmpKeys[b++]; }
            else { idx[o] = tmpIdx[a]; keys[o++] = tmpKeys[a++]; }
        }
        while (a < mid) { idx[o] = tmpIdx[a]; keys[o++] = tmpKeys[a++]; }
        while (b < n) { idx[o] = tmpIdx[b]; keys[o++] = tmpKeys[b++]; }
    }
}
