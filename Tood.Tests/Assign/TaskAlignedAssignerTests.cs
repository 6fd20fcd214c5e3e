using Tood.Train.Assign;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Assign;

/// <summary>
/// Hand-computed TAL scene (spec §4.2), K = 3 classes, background = 3.
///
/// gts:  g0 = (0,0,40,40) class 1;  g1 = (30,0,70,40) class 2;  g2 = (100,100,140,140) class 0.
///
/// anchor  point     pred box            scores [c0,c1,c2]   u(g0)  u(g1)  u(g2)
/// a0      (20,20)   (0,0,40,40)=g0      [.1,.8,.3]          1      1/7    0
/// a1      (10,10)   (0,0,20,40)         [.1,.5,.1]          .5     0      0
/// a2      (35,20)   (10,0,50,40)        [.1,.6,.9]          .6     1/3    0     (inside g0 and g1)
/// a3      (36,10)   (20,0,60,40)        [0,.9,.001]         1/3    .6     0     (inside g0 and g1)
/// a4      (50,20)   (30,0,70,40)=g1     [.2,.1,.7]          1/7    1      0
/// a5      (60,30)   (40,0,70,40)        [.1,.1,.4]          0      .75    0
/// a6      (80,20)   (30,0,70,40)=g1     [.1,.1,.9]          1/7    1      0     (outside every gt)
/// a7      (20,30)   (0,0,40,40)=g0      [.3,0,.3]           1      1/7    0     (score 0 for class 1)
/// a8      (120,120) (100,100,140,130)   [.5,.1,.1]          0      0      .75
/// a9      (110,110) (100,100,140,140)   [.05,.1,.1]         0      0      1
/// a10     (0,20)    (0,0,40,40)=g0      [.1,.7,.1]          1      1/7    0     (on g0's left edge: l = 0)
/// a11     (200,200) (200,200,210,210)   [.5,.5,.5]          0      0      0
/// IoU examples: u(a2,g0) = 30·40 / (1600+1600−1200) = .6; u(a2,g1) = 20·40/(3200−800) = 1/3;
/// u(a0,g1) = 10·40/(3200−400) = 1/7; u(a8,g2) = 40·30/1600 = .75.
///
/// t = s_label · u^6:
///   g0 (class 1): a0 .8, a10 .7, a2 .6·.6^6 = .0279936, a1 .5·.5^6 = .0078125, a3 .9/729 = .00123457,
///                 a4, a6 .1/7^6 ≈ 8.5e-7, a7 0 (score 0), others 0.
///   g1 (class 2): a6 .9, a4 .7, a5 .4·.75^6 = .0711914, a2 .9/729 = .00123457, a3 .001·.6^6 = 4.6656e-5,
///                 a0, a7 .3/7^6 ≈ 2.6e-6, a10 .1/7^6, others 0.
///   g2 (class 0): a8 .5·.75^6 = .0889893, a9 .05·1 = .05, others 0.
/// </summary>
public class TaskAlignedAssignerTests
{
    private const int K = 3;

    private static (Tensor Scores, Tensor Pred, Tensor Points, Tensor GtBoxes, Tensor GtLabels) Scene()
    {
        var points = Rows(2, 20, 20, 10, 10, 35, 20, 36, 10, 50, 20, 60, 30, 80, 20, 20, 30, 120, 120, 110, 110, 0, 20, 200, 200);
        var pred = Rows(4,
            0, 0, 40, 40,
            0, 0, 20, 40,
            10, 0, 50, 40,
            20, 0, 60, 40,
            30, 0, 70, 40,
            40, 0, 70, 40,
            30, 0, 70, 40,
            0, 0, 40, 40,
            100, 100, 140, 130,
            100, 100, 140, 140,
            0, 0, 40, 40,
            200, 200, 210, 210);
        var scores = Rows(3,
            .1f, .8f, .3f,
            .1f, .5f, .1f,
            .1f, .6f, .9f,
            0f, .9f, .001f,
            .2f, .1f, .7f,
            .1f, .1f, .4f,
            .1f, .1f, .9f,
            .3f, 0f, .3f,
            .5f, .1f, .1f,
            .05f, .1f, .1f,
            .1f, .7f, .1f,
            .5f, .5f, .5f);
        var gtBoxes = Rows(4, 0, 0, 40, 40, 30, 0, 70, 40, 100, 100, 140, 140);
        var gtLabels = Longs(1, 2, 0);
        return (scores, pred, points, gtBoxes, gtLabels);
    }

    [Fact]
    public void Default_topk13_gives_hand_computed_positives_labels_gts_and_soft_targets()
    {
        // topk = min(13, 12) = 12: every anchor is a candidate of every gt.
        // Positive (t > 0 and strictly inside):
        //   g0: a0, a1, a2, a3   (a10 on the edge, a4/a6 outside, a7 has t = 0)
        //   g1: a2, a3, a4, a5   (a6 outside, a0/a7/a10 outside g1)
        //   g2: a8, a9
        // Conflicts → highest IoU: a2 → g0 (.6 > 1/3); a3 → g1 (.6 > 1/3) although t(a3,g0) = .00123 > t(a3,g1) = 4.67e-5.
        // t̂ = t/(max_{P_g} t + 1e-7) · max_{P_g} u over the final positives:
        //   g0 {a0,a1,a2}: max t .8, max u 1 → a0 .8/.8000001 = .99999988, a1 .0078125/.8000001 = .00976562,
        //                  a2 .0279936/.8000001 = .03499200
        //   g1 {a3,a4,a5}: max t .7, max u 1 → a3 4.6656e-5/.7000001 = 6.66514e-5, a4 .99999986, a5 .0711914/.7000001 = .10170199
        //   g2 {a8,a9}: max t .0889893 (a8), max u 1 (a9) → a8 .99999888, a9 .05/.0889894 = .56186494
        using var scope = NewDisposeScope();
        var (scores, pred, points, gtBoxes, gtLabels) = Scene();
        using var r = new TaskAlignedAssigner().Assign(scores, pred, points, gtBoxes, gtLabels);

        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 8, 9 }, Indices(r.PositiveMask));
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1, -1, -1, 2, 2, -1, -1 }, LongArray(r.AssignedGt));
        Assert.Equal(new long[] { 1, 1, 1, 2, 2, 2, K, K, 0, 0, K, K }, LongArray(r.Labels));
        var expected = new[] { .99999988, .00976562, .03499200, 6.66514e-5, .99999986, .10170199, 0, 0, .99999888, .56186494, 0, 0 };
        var tHat = Floats(r.Weights);
        for (int i = 0; i < expected.Length; i++)
            Close(expected[i], tHat[i], 1e-5, $"t̂[a{i}]");
        // Box targets are the assigned gts; negatives get zeros.
        Assert.Equal(new float[] { 30, 0, 70, 40 }, Floats(r.BoxTargets[3]));
        Assert.Equal(new float[] { 100, 100, 140, 140 }, Floats(r.BoxTargets[8]));
        Assert.Equal(new float[] { 0, 0, 0, 0 }, Floats(r.BoxTargets[6]));
        // Overlaps = IoU with the assigned gt: a2 → .6 with g0, a3 → .6 with g1.
        Close(.6, Floats(r.Overlaps)[2], 1e-6, "u(a2)");
        Close(.6, Floats(r.Overlaps)[3], 1e-6, "u(a3)");
        Assert.All(Floats(r.LabelWeights), w => Assert.Equal(1f, w));
    }

    [Fact]
    public void Small_topk_takes_candidates_before_the_inside_test()
    {
        // topk = 2 (spec P10: top-k first, inside test second):
        //   g0 top-2 by t: a0 (.8), a10 (.7) → a10 is on the edge → P = {a0}
        //   g1 top-2: a6 (.9), a4 (.7) → a6 is outside → P = {a4}
        //   g2 top-2: a8, a9 → both inside.
        // a1, a2, a3, a5 would be positive if the inside filter came first; here they are negative.
        // t̂: a0 .8/.8000001 = .99999988, a4 .99999986, a8 .99999888, a9 .56186494.
        using var scope = NewDisposeScope();
        var (scores, pred, points, gtBoxes, gtLabels) = Scene();
        using var r = new TaskAlignedAssigner(topk: 2).Assign(scores, pred, points, gtBoxes, gtLabels);

        Assert.Equal(new[] { 0, 4, 8, 9 }, Indices(r.PositiveMask));
        Assert.Equal(new long[] { 0, -1, -1, -1, 1, -1, -1, -1, 2, 2, -1, -1 }, LongArray(r.AssignedGt));
        var tHat = Floats(r.Weights);
        Close(.99999988, tHat[0], 1e-5, "t̂[a0]");
        Close(.99999986, tHat[4], 1e-5, "t̂[a4]");
        Close(.99999888, tHat[8], 1e-5, "t̂[a8]");
        Close(.56186494, tHat[9], 1e-5, "t̂[a9]");
    }

    [Fact]
    public void Positives_are_inside_their_gt_and_have_positive_metric()
    {
        // Generic invariants on the same scene: no positive outside its assigned gt (> 0.01 px),
        // and a7 (inside g0, IoU 1, but class-1 score 0 ⇒ t = 0) is negative.
        using var scope = NewDisposeScope();
        var (scores, pred, points, gtBoxes, gtLabels) = Scene();
        using var r = new TaskAlignedAssigner().Assign(scores, pred, points, gtBoxes, gtLabels);
        var gt = LongArray(r.AssignedGt);
        var pts = Floats(points);
        var boxes = Floats(gtBoxes);
        for (int i = 0; i < gt.Length; i++)
        {
            if (gt[i] < 0)
                continue;
            float x = pts[2 * i], y = pts[2 * i + 1];
            var b = boxes.AsSpan((int)gt[i] * 4, 4);
            Assert.True(Math.Min(Math.Min(x - b[0], y - b[1]), Math.Min(b[2] - x, b[3] - y)) > 0.01, $"a{i} outside its gt");
        }
        Assert.False(Bools(r.PositiveMask)[7]);
        Assert.Equal(K, LongArray(r.Labels)[7]);
    }

    [Fact]
    public void Image_without_gts_is_all_negative()
    {
        using var scope = NewDisposeScope();
        var (scores, pred, points, _, _) = Scene();
        using var r = new TaskAlignedAssigner().Assign(scores, pred, points,
            zeros(0, 4), zeros(0, dtype: ScalarType.Int64));
        Assert.Empty(Indices(r.PositiveMask));
        Assert.All(LongArray(r.Labels), l => Assert.Equal(K, l));
        Assert.All(LongArray(r.AssignedGt), g => Assert.Equal(-1, g));
        Assert.All(Floats(r.Weights), w => Assert.Equal(0f, w));
        Assert.Equal(new long[] { 12, 4 }, r.BoxTargets.shape);
    }

    [Fact]
    public void Invalid_anchor_is_never_positive_and_renormalises_its_gt()
    {
        // a0 marked invalid (padding): g0's final positives become {a1, a2}; max t = .6^7 = .0279936 (a2),
        // max u = .6 (a2) → t̂(a1) = .0078125/.0279937·.6 = .16744839, t̂(a2) = .0279936/.0279937·.6 = .59999786.
        using var scope = NewDisposeScope();
        var (scores, pred, points, gtBoxes, gtLabels) = Scene();
        var valid = ones(12, dtype: ScalarType.Bool);
        valid[0] = tensor(false);
        using var r = new TaskAlignedAssigner().Assign(scores, pred, points, gtBoxes, gtLabels, valid);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 8, 9 }, Indices(r.PositiveMask));
        Assert.Equal(0f, Floats(r.LabelWeights)[0]);
        Close(.16744839, Floats(r.Weights)[1], 1e-5, "t̂[a1]");
        Close(.59999786, Floats(r.Weights)[2], 1e-5, "t̂[a2]");
    }

    [Fact]
    public void Assignment_ignores_autograd_and_keeps_inputs_untouched()
    {
        using var scope = NewDisposeScope();
        var (scores, pred, points, gtBoxes, gtLabels) = Scene();
        var s = scores.clone().requires_grad_(true);
        var p = pred.clone().requires_grad_(true);
        using var r = new TaskAlignedAssigner().Assign(s, p, points, gtBoxes, gtLabels);
        Assert.False(r.Weights.requires_grad);
        Assert.False(r.BoxTargets.requires_grad);
        Assert.Equal(Floats(scores), Floats(s.detach()));
    }
}
