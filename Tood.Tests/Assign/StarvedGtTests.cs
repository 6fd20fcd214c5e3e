using Tood.Train.Assign;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Assign;

/// <summary>
/// TAL's guard for a gt that mmdet's rule leaves without positives (<see cref="TaskAlignedAssigner.GuardStarvedGts"/>).
/// One class, gt g = (0,0,20,20), top-k = 1:
/// <code>
/// anchor  point    pred box        score  u(g)  t = s·u⁶
/// a0      (10,10)  (0,0,20,10)     .5     .5    .0078125     inside g
/// a1      (50,50)  (0,0,20,20)=g   .9     1     .9           outside g: the top-1, so mmdet finds no positive
/// a2      (15,5)   (0,0,20,20)=g   0      1     0            inside g, score 0
/// </code>
/// Guarded: g takes the top-1 of its inside anchors, a0; its t is scaled to max 1 before steps 7-8, so
/// t̂(a0) = 1/(1 + 1e-7)·max u = .49999995.
/// With every score underflowed to 0 the floor 1e-12 still ranks by IoU: a2 (u = 1) becomes g's positive with t̂ = 1.
/// </summary>
public class StarvedGtTests
{
    private static readonly Tensor Points = Rows(2, 10, 10, 50, 50, 15, 5);
    private static readonly Tensor Pred = Rows(4, 0, 0, 20, 10, 0, 0, 20, 20, 0, 0, 20, 20);
    private static readonly Tensor Gt = Rows(4, 0, 0, 20, 20);

    [Fact]
    public void Mmdet_rule_leaves_the_gt_without_positives()
    {
        using var r = new TaskAlignedAssigner(topk: 1) { GuardStarvedGts = false }.Assign(Rows(1, .5f, .9f, 0), Pred, Points, Gt, Longs(0));
        Assert.Equal(0, r.CountPositives());
    }

    [Fact]
    public void A_starved_gt_takes_the_best_of_its_inside_anchors()
    {
        using var r = new TaskAlignedAssigner(topk: 1).Assign(Rows(1, .5f, .9f, 0), Pred, Points, Gt, Longs(0));
        Assert.Equal([true, false, false], r.PositiveMask.data<bool>().ToArray());
        Close(.49999995, r.Weights[0].item<float>(), 1e-6, "t̂(a0)");
        Assert.Equal([0L, 1L, 1L], r.Labels.data<long>().ToArray());
    }

    [Fact]
    public void Underflowed_scores_still_feed_the_gt_by_iou()
    {
        using var r = new TaskAlignedAssigner(topk: 1).Assign(Rows(1, 0, 0, 0), Pred, Points, Gt, Longs(0));
        Assert.Equal([false, false, true], r.PositiveMask.data<bool>().ToArray());
        Close(1.0, r.Weights[2].item<float>(), 1e-6, "t̂(a2)");
    }

    [Fact]
    public void A_starved_gt_without_inside_anchors_leaves_every_weight_finite()
    {
        // g0 (50,50,51,51) is smaller than the anchor spacing: no anchor inside, starved, nothing to feed. a1 overlaps
        // no gt, so its best-gt index falls on g0's column; its t̂ must still be a number (it is masked to 0).
        var points = Rows(2, 10, 10, 100, 100);
        var pred = Rows(4, 0, 0, 20, 20, 100, 100, 110, 110);
        using var r = new TaskAlignedAssigner(topk: 1).Assign(Rows(1, .5f, .5f), pred, points, Rows(4, 50, 50, 51, 51, 0, 0, 20, 20), Longs(0, 0));
        Assert.Equal([true, false], r.PositiveMask.data<bool>().ToArray());
        Assert.All(r.Weights.data<float>().ToArray(), w => Assert.InRange(w, 0f, 1f));
        Close(1.0 / (1 + 1e-7), r.Weights[0].item<float>(), 1e-6, "t̂(a0)");
    }

    [Fact]
    public void A_gt_that_mmdet_feeds_keeps_exactly_its_positives()
    {
        // Top-3: a1 (outside) is a candidate but a0 and a2 are too; a2's t = 0 fails t > 0, so only a0 — as in mmdet.
        var scores = Rows(1, .5f, .9f, 0);
        using var guarded = new TaskAlignedAssigner(topk: 3).Assign(scores, Pred, Points, Gt, Longs(0));
        using var mmdet = new TaskAlignedAssigner(topk: 3) { GuardStarvedGts = false }.Assign(scores, Pred, Points, Gt, Longs(0));
        Assert.Equal(mmdet.PositiveMask.data<bool>().ToArray(), guarded.PositiveMask.data<bool>().ToArray());
        Assert.Equal(mmdet.Weights.data<float>().ToArray(), guarded.Weights.data<float>().ToArray());
        Assert.Equal([true, false, false], guarded.PositiveMask.data<bool>().ToArray());
    }
}
