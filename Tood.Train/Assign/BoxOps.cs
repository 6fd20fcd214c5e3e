using Tood.Train.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Assign;

/// <summary>
/// Box geometry on (x1, y1, x2, y2) tensors shared by the assigners and the GIoU loss.
/// Widths and heights are clamped at ≥ 0 before any area is formed (spec P1): after
/// deformable sampling a predicted box can be inverted, and an unclamped area would let
/// IoU exceed 1 and make the GIoU loss negative.
/// </summary>
public static class BoxOps
{
    /// <summary>Epsilon for union / enclosing-area denominators (mmdet bbox_overlaps, GIoULoss).</summary>
    public const double DefaultEps = 1e-6;

    /// <summary>Margin of the "anchor centre inside gt" test: all four distances must exceed it (spec §4.1 step 4, §4.2 step 5).</summary>
    public const double InsideMargin = 0.01;

    /// <summary>Areas of boxes [N,4] with width/height clamped at ≥ 0 → [N].</summary>
    public static Tensor Areas(Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var w = (boxes[.., 2] - boxes[.., 0]).clamp_min(0);
        var h = (boxes[.., 3] - boxes[.., 1]).clamp_min(0);
        return (w * h).MoveToOuterDisposeScope();
    }

    /// <summary>Pairwise IoU of boxes [N,4] and [G,4] → [N,G] (spec §4.2 step 1, P1).</summary>
    public static Tensor PairwiseIoU(Tensor boxes1, Tensor boxes2, double eps = DefaultEps)
    {
        CheckBoxes(boxes1, nameof(boxes1));
        CheckBoxes(boxes2, nameof(boxes2));
        using var scope = NewDisposeScope();
        var area1 = Areas(boxes1).unsqueeze(1);                      // [N,1]
        var area2 = Areas(boxes2).unsqueeze(0);                      // [1,G]
        var a = boxes1.unsqueeze(1);                                 // [N,1,4]
        var b = boxes2.unsqueeze(0);                                 // [1,G,4]
        var lt = maximum(a[.., .., ..2], b[.., .., ..2]);            // [N,G,2]
        var rb = minimum(a[.., .., 2..], b[.., .., 2..]);
        var wh = (rb - lt).clamp_min(0);
        var overlap = wh[.., .., 0] * wh[.., .., 1];
        var union = (area1 + area2 - overlap).clamp_min(eps);
        return (overlap / union).MoveToOuterDisposeScope();
    }

    /// <summary>Element-wise IoU of aligned boxes [N,4], [N,4] → [N].</summary>
    public static Tensor AlignedIoU(Tensor boxes1, Tensor boxes2, double eps = DefaultEps)
    {
        CheckAligned(boxes1, boxes2);
        using var scope = NewDisposeScope();
        var (overlap, union) = OverlapAndUnion(boxes1, boxes2, eps);
        return (overlap / union).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Element-wise generalised IoU of aligned boxes → [N]: IoU − (enclose − union)/enclose,
    /// union and enclosing area clamped at ≥ eps (spec §4.3). Always in [−1, 1] thanks to the P1 clamp.
    /// </summary>
    public static Tensor AlignedGIoU(Tensor boxes1, Tensor boxes2, double eps = DefaultEps)
    {
        CheckAligned(boxes1, boxes2);
        using var scope = NewDisposeScope();
        var (overlap, union) = OverlapAndUnion(boxes1, boxes2, eps);
        var iou = overlap / union;
        var elt = minimum(boxes1[.., ..2], boxes2[.., ..2]);
        var erb = maximum(boxes1[.., 2..], boxes2[.., 2..]);
        var ewh = (erb - elt).clamp_min(0);
        var enclose = (ewh[.., 0] * ewh[.., 1]).clamp_min(eps);
        return (iou - (enclose - union) / enclose).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Centerness of points [N,2] w.r.t. aligned boxes [N,4] → [N]:
    /// sqrt(min(l,r)/max(l,r) · min(t,b)/max(t,b)) (spec §4.1, ATSS box weight).
    /// Distances are clamped at ≥ 0 so a point outside its box gets 0 instead of NaN.
    /// </summary>
    public static Tensor Centerness(Tensor points, Tensor boxes)
    {
        CheckPoints(points, nameof(points));
        CheckBoxes(boxes, nameof(boxes));
        using var scope = NewDisposeScope();
        var l = (points[.., 0] - boxes[.., 0]).clamp_min(0);
        var t = (points[.., 1] - boxes[.., 1]).clamp_min(0);
        var r = (boxes[.., 2] - points[.., 0]).clamp_min(0);
        var b = (boxes[.., 3] - points[.., 1]).clamp_min(0);
        var lr = minimum(l, r) / maximum(l, r).clamp_min(1e-12);
        var tb = minimum(t, b) / maximum(t, b).clamp_min(1e-12);
        return (lr * tb).sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Points [A,2] strictly inside boxes [G,4] → bool [A,G]: all four distances to the
    /// box sides greater than <paramref name="margin"/> (mmdet uses 0.01 px).
    /// </summary>
    public static Tensor PointsInsideBoxes(Tensor points, Tensor boxes, double margin = InsideMargin)
    {
        CheckPoints(points, nameof(points));
        CheckBoxes(boxes, nameof(boxes));
        using var scope = NewDisposeScope();
        var px = points[.., 0].unsqueeze(1);                          // [A,1]
        var py = points[.., 1].unsqueeze(1);
        var b = boxes.unsqueeze(0);                                  // [1,G,4]
        var dist = stack(new[]
        {
            px - b[.., .., 0], py - b[.., .., 1], b[.., .., 2] - px, b[.., .., 3] - py,
        }, dim: -1);                                                 // [A,G,4]
        return dist.amin(new long[] { -1 }).gt(margin).MoveToOuterDisposeScope();
    }

    /// <summary>Box centres [N,4] → [N,2].</summary>
    public static Tensor Centers(Tensor boxes)
    {
        CheckBoxes(boxes, nameof(boxes));
        using var scope = NewDisposeScope();
        return ((boxes[.., ..2] + boxes[.., 2..]) * 0.5).MoveToOuterDisposeScope();
    }

    private static (Tensor Overlap, Tensor Union) OverlapAndUnion(Tensor a, Tensor b, double eps)
    {
        var lt = maximum(a[.., ..2], b[.., ..2]);
        var rb = minimum(a[.., 2..], b[.., 2..]);
        var wh = (rb - lt).clamp_min(0);
        var overlap = wh[.., 0] * wh[.., 1];
        var union = (Areas(a) + Areas(b) - overlap).clamp_min(eps);
        return (overlap, union);
    }

    private static void CheckBoxes(Tensor boxes, string name)
    {
        if (!Shapes.Matches(boxes, "N", 4))
            throw new ArgumentException($"{name} must be [N,4] boxes (x1,y1,x2,y2), got {Shapes.Format(boxes)}", name);
    }

    private static void CheckPoints(Tensor points, string name)
    {
        if (!Shapes.Matches(points, "N", 2))
            throw new ArgumentException($"{name} must be [N,2] points (x,y), got {Shapes.Format(points)}", name);
    }

    private static void CheckAligned(Tensor a, Tensor b)
    {
        CheckBoxes(a, "boxes1");
        CheckBoxes(b, "boxes2");
        if (a.shape[0] != b.shape[0])
            throw new ArgumentException($"aligned boxes need equal counts, got {a.shape[0]} and {b.shape[0]}");
    }
}
