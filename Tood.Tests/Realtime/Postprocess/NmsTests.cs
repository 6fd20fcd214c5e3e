using Tood.Realtime.Postprocess;
using Xunit;

namespace Tood.Tests.Realtime.Postprocess;

public class NmsTests
{
    private static int[] Run(float[] boxes, float[] scores, int[] classes, float iou = 0.6f, int maxDet = 100)
    {
        var keep = new int[scores.Length];
        int n = new Nms().Run(boxes, scores, classes, scores.Length, iou, maxDet, keep);
        return keep[..n];
    }

    [Fact]
    public void Iou_matches_hand_computed_value_without_plus_one()
    {
        // inter 9×9 = 81, union 100 + 100 − 81 = 119
        Assert.Equal(81f / 119f, Nms.Iou([0, 0, 10, 10], [1, 1, 11, 11]), 6);
        Assert.Equal(0f, Nms.Iou([0, 0, 10, 10], [10, 0, 20, 10]));
    }

    [Fact]
    public void Suppresses_same_class_overlap_above_threshold_but_never_across_classes()
    {
        float[] boxes = [0, 0, 10, 10, /*B*/ 1, 1, 11, 11, /*C*/ 0, 0, 10, 10, /*D*/ 20, 20, 30, 30];
        float[] scores = [0.9f, 0.8f, 0.7f, 0.6f];
        int[] classes = [0, 0, 1, 0];
        // B overlaps A with IoU 0.68 > 0.6 (same class) → gone; C is the same box as A but class 1 → kept.
        Assert.Equal([0, 2, 3], Run(boxes, scores, classes));
        // At IoU threshold 0.7, B survives (0.68 ≤ 0.7); results stay sorted by score.
        Assert.Equal([0, 1, 2, 3], Run(boxes, scores, classes, iou: 0.7f));
    }

    [Fact]
    public void Iou_exactly_at_threshold_is_not_suppressed()
    {
        // inter 60, union 100 → IoU 0.6, suppression needs IoU > 0.6
        Assert.Equal([0, 1], Run([0, 0, 10, 10, 0, 0, 10, 6], [0.9f, 0.5f], [0, 0]));
    }

    [Fact]
    public void Equal_scores_keep_the_lower_index()
    {
        Assert.Equal([0], Run([5, 5, 15, 15, 5, 5, 15, 15], [0.5f, 0.5f], [3, 3]));
        Assert.Equal([1, 0], Run([0, 0, 1, 1, 5, 5, 15, 15, 5, 5, 15, 15], [0.5f, 0.7f, 0.7f], [0, 3, 3]));
    }

    [Fact]
    public void Keeps_at_most_max_det_highest_scores()
    {
        float[] boxes = [0, 0, 1, 1, 10, 10, 11, 11, 20, 20, 21, 21];
        Assert.Equal([2, 0], Run(boxes, [0.5f, 0.1f, 0.9f], [0, 0, 0], maxDet: 2));
    }
}
