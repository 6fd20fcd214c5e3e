using Tood.Realtime.Coco;

namespace Tood.Realtime.Evaluation;

/// <summary>One ground-truth box as the matcher needs it.</summary>
internal readonly record struct GtBox(double X, double Y, double W, double H, double Area, long Id, bool Crowd);

/// <summary>
/// Ground truth grouped per (category, image) bucket, pycocotools <c>_prepare</c>: images = all GT
/// images (sorted ids), categories = all GT categories (sorted ids); annotations of other images or
/// categories are not evaluated. Within a bucket annotations keep file order (it decides tie-breaks).
/// Bucket b = catIndex·I + imageIndex, so one category's buckets are contiguous and image-sorted.
/// </summary>
internal sealed class GroundTruthIndex
{
    public long[] ImageIds { get; }
    public int[] CategoryIds { get; }
    public string[] CategoryNames { get; }
    public Dictionary<long, int> ImageIndex { get; }
    public Dictionary<int, int> CategoryIndex { get; }
    public int NumImages => ImageIds.Length;
    public int NumCategories => CategoryIds.Length;

    /// <summary>Bucket b's boxes are Boxes[BucketStart[b] .. BucketStart[b+1]).</summary>
    public int[] BucketStart { get; }
    public GtBox[] Boxes { get; }

    public GroundTruthIndex(CocoFile gt)
    {
        ArgumentNullException.ThrowIfNull(gt);
        ImageIds = SortedUnique(gt.Images.Select(i => i.Id));
        ImageIndex = new Dictionary<long, int>(ImageIds.Length);
        for (int i = 0; i < ImageIds.Length; i++) ImageIndex[ImageIds[i]] = i;

        var cats = gt.Categories.GroupBy(c => c.Id).Select(g => g.First()).OrderBy(c => c.Id).ToArray();
        CategoryIds = cats.Select(c => c.Id).ToArray();
        CategoryNames = cats.Select(c => c.Name).ToArray();
        CategoryIndex = new Dictionary<int, int>(CategoryIds.Length);
        for (int k = 0; k < CategoryIds.Length; k++) CategoryIndex[CategoryIds[k]] = k;

        int numBuckets = NumCategories * NumImages;
        var anns = gt.Annotations;
        var bucketOf = new int[anns.Count];
        var counts = new int[numBuckets + 1];
        for (int n = 0; n < anns.Count; n++)
        {
            var a = anns[n];
            if (!ImageIndex.TryGetValue(a.ImageId, out int img) || !CategoryIndex.TryGetValue(a.CategoryId, out int cat))
            {
                bucketOf[n] = -1;
                continue;
            }
            if (a.Bbox is not { Length: 4 })
                throw new InvalidDataException($"ground-truth annotation id {a.Id}: bbox must be [x, y, w, h], got {a.Bbox?.Length ?? 0} values");
            int b = cat * NumImages + img;
            bucketOf[n] = b;
            counts[b + 1]++;
        }
        for (int b = 0; b < numBuckets; b++) counts[b + 1] += counts[b];
        BucketStart = (int[])counts.Clone();
        Boxes = new GtBox[counts[numBuckets]];
        var fill = counts; // reuse as the running write cursor (stable: file order inside a bucket)
        for (int n = 0; n < anns.Count; n++)
        {
            int b = bucketOf[n];
            if (b < 0) continue;
            var a = anns[n];
            Boxes[fill[b]++] = new GtBox(a.Bbox[0], a.Bbox[1], a.Bbox[2], a.Bbox[3], a.Area, a.Id, a.IsCrowd != 0);
        }
    }

    private static long[] SortedUnique(IEnumerable<long> ids)
    {
        var arr = ids.Distinct().ToArray();
        Array.Sort(arr);
        return arr;
    }
}
