using Tood.Train.Assign;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Assign;

public class BoxOpsTests
{
    [Fact]
    public void Pairwise_iou_matches_hand_values()
    {
        // (0,0,2,2) vs (1,1,3,3): overlap 1, union 4+4−1 = 7 → 1/7; vs itself → 1; vs (5,5,6,6) → 0.
        // (0,0,4,2) vs (1,1,3,3): overlap 2·1 = 2, union 8+4−2 = 10 → .2.
        using var scope = NewDisposeScope();
        var iou = BoxOps.PairwiseIoU(Rows(4, 0, 0, 2, 2, 0, 0, 4, 2), Rows(4, 1, 1, 3, 3, 0, 0, 2, 2, 5, 5, 6, 6));
        Assert.Equal(new long[] { 2, 3 }, iou.shape);
        var v = Floats(iou);
        Close(1.0 / 7, v[0], 1e-6, "iou00");
        Close(1, v[1], 1e-6, "iou01");
        Close(0, v[2], 1e-6, "iou02");
        Close(.2, v[3], 1e-6, "iou10");
        Close(.5, v[4], 1e-6, "iou11");   // (0,0,4,2) vs (0,0,2,2): 4/8
    }

    [Fact]
    public void Inverted_box_has_zero_area_so_iou_stays_in_unit_range()
    {
        // Spec P1: (4,4,0,0) is inverted. Unclamped, its "area" would be (−4)(−4) = 16 and the
        // union with (0,0,4,4) would be 16+16−0 = 32 → IoU 0 but GIoU would see enclose 16 < union.
        // Clamped: area 0, overlap 0 → IoU 0, GIoU = 0 − (16 − 16)/16 = 0 (loss 1, not negative).
        using var scope = NewDisposeScope();
        var inverted = Rows(4, 4, 4, 0, 0);
        var gt = Rows(4, 0, 0, 4, 4);
        Assert.Equal(0f, Floats(BoxOps.Areas(inverted))[0]);
        Assert.Equal(0f, Floats(BoxOps.PairwiseIoU(inverted, gt))[0]);
        Close(0, Floats(BoxOps.AlignedGIoU(inverted, gt))[0], 1e-7, "giou inverted");
        // A box inverted in x only, (3,0,1,4) vs (0,0,4,4): overlap lt (3,0) rb (1,4) → width −2 → 0.
        Assert.Equal(0f, Floats(BoxOps.AlignedIoU(Rows(4, 3, 0, 1, 4), gt))[0]);
    }

    [Fact]
    public void Points_inside_require_more_than_the_margin_on_every_side()
    {
        // Box (0,0,10,10): (5,5) inside; (0.005,5) is 0.005 px from the left edge → outside;
        // (0.02,5) inside; (10,5) on the edge → outside; (11,5) outside.
        using var scope = NewDisposeScope();
        var inside = BoxOps.PointsInsideBoxes(Rows(2, 5, 5, 0.005f, 5, 0.02f, 5, 10, 5, 11, 5), Rows(4, 0, 0, 10, 10));
        Assert.Equal(new[] { true, false, true, false, false }, Bools(inside));
    }

    [Fact]
    public void Centerness_matches_hand_values()
    {
        // (5,5) in (0,0,10,10) → 1; (2,5): l 2 r 8 → sqrt(2/8 · 1) = .5; (2,2): sqrt(.25·.25) = .25.
        using var scope = NewDisposeScope();
        var box = Rows(4, 0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10);
        var c = Floats(BoxOps.Centerness(Rows(2, 5, 5, 2, 5, 2, 2), box));
        Close(1, c[0], 1e-6, "c0");
        Close(.5, c[1], 1e-6, "c1");
        Close(.25, c[2], 1e-6, "c2");
    }
}
