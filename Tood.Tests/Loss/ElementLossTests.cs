using Tood.Train.Loss;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Loss;

public class ElementLossTests
{
    [Fact]
    public void Quality_focal_loss_matches_hand_values()
    {
        // |y−p|²·BCE(p,y):
        //   p .3, y .8: .25·(−.8 ln .3 − .2 ln .7) = .25·(.963178 + .071335) = .258628
        //   p .2, y 0:  .04·(−ln .8) = .04·.223144 = .008926
        //   p 0,  y 0:  0
        //   p 1,  y 0:  1·(−ln 0 clamped to 100) = 100      (spec P2 log clamp)
        //   p .5, y .5: 0
        using var scope = NewDisposeScope();
        var p = tensor(new float[] { .3f, .2f, 0f, 1f, .5f });
        var y = tensor(new float[] { .8f, 0f, 0f, 0f, .5f });
        var qfl = new QualityFocalLoss();
        var v = Floats(qfl.Elementwise(p, y));
        double[] expected = { .2586283, .0089257, 0, 100, 0 };
        for (int i = 0; i < expected.Length; i++)
            Close(expected[i], v[i], 2e-5 * Math.Max(1, expected[i]), $"qfl[{i}]");
        // Weighted sum: weight 0 drops the 100 term → .258628 + .008926 = .267554.
        var w = tensor(new float[] { 1, 1, 1, 0, 1 });
        Close(.2675540, qfl.Sum(p, y, w).item<float>(), 2e-5, "qfl sum");
    }

    [Fact]
    public void Focal_loss_on_probabilities_matches_hand_values()
    {
        // positive −α(1−p)^γ ln p, negative −(1−α)p^γ ln(1−p), α .25, γ 2:
        //   p .9 pos: .25·.01·.105361 = 2.6340e-4
        //   p .2 neg: .75·.04·.223144 = 6.6943e-3
        //   p 0 pos:  .25·1·100 = 25   (the stuck "loss_cls = 25" of mmdetection #7952, spec P2)
        //   p 1 neg:  .75·1·100 = 75
        using var scope = NewDisposeScope();
        var p = tensor(new float[] { .9f, .2f, 0f, 1f });
        var y = tensor(new float[] { 1f, 0f, 1f, 0f });
        var v = Floats(new FocalLoss().Elementwise(p, y));
        Close(2.6340e-4, v[0], 1e-7, "focal pos");
        Close(6.6943e-3, v[1], 1e-6, "focal neg");
        Close(25, v[2], 1e-4, "focal p=0");
        Close(75, v[3], 1e-4, "focal p=1");
    }

    [Fact]
    public void GIoU_loss_matches_hand_values()
    {
        // identical → 0.
        // (0,0,2,2) vs (1,1,3,3): IoU 1/7, enclose 3·3 = 9, union 7 → GIoU 1/7 − 2/9 = −.079365 → loss 1.079365
        // (0,0,1,1) vs (2,0,3,1): IoU 0, enclose 3, union 2 → GIoU −1/3 → loss 1.333333
        // inverted (2,2,0,0) vs (0,0,2,2): area 0, overlap 0, union 4, enclose (0,0)-(2,2) = 4 → GIoU 0 → loss 1
        using var scope = NewDisposeScope();
        var pred = Rows(4, 0, 0, 2, 2, 0, 0, 2, 2, 0, 0, 1, 1, 2, 2, 0, 0);
        var target = Rows(4, 0, 0, 2, 2, 1, 1, 3, 3, 2, 0, 3, 1, 0, 0, 2, 2);
        var giou = new GIoULoss();
        var v = Floats(giou.Elementwise(pred, target));
        Close(0, v[0], 1e-6, "identical");
        Close(1.0793651, v[1], 1e-5, "overlapping");
        Close(1.3333333, v[2], 1e-5, "disjoint");
        Close(1, v[3], 1e-6, "inverted");
        // weights (1, .5, 2, 0): .539683 + 2.666667 = 3.206349
        Close(3.2063492, giou.Sum(pred, target, tensor(new float[] { 1, .5f, 2, 0 })).item<float>(), 1e-4, "weighted");
    }

    [Fact]
    public void Inverted_boxes_give_finite_nonnegative_loss_and_finite_gradients()
    {
        // Spec P1: random predictions with x2 < x1 and y2 < y1 against proper targets.
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        var target = Rows(4, 0, 0, 10, 10, 5, 5, 30, 20, 100, 50, 140, 90, 0, 0, 1, 1);
        var raw = (rand(new long[] { 4, 4 }, generator: gen) * 50).requires_grad_(true);
        // Swap corners: (x2, y2, x1, y1) with x2 < x1 guaranteed by adding an offset.
        var pred = cat(new[] { raw[.., 2..] + 60, raw[.., ..2] }, 1);
        var per = new GIoULoss().Elementwise(pred, target);
        Assert.All(Floats(per), l => Assert.True(float.IsFinite(l) && l >= 1f - 1e-6f && l <= 2f + 1e-6f, $"loss {l}"));
        per.sum().backward();
        Assert.All(Floats(raw.grad!), g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void Scores_at_exactly_zero_and_one_keep_losses_and_gradients_finite()
    {
        using var scope = NewDisposeScope();
        var p = tensor(new float[] { 0f, 1f, 0f, 1f, .5f }).requires_grad_(true);
        var y = tensor(new float[] { 0f, 0f, .7f, 1f, 0f });
        var qfl = new QualityFocalLoss().Sum(p, y);
        var focal = new FocalLoss().Sum(p, tensor(new float[] { 0f, 0f, 1f, 1f, 0f }));
        Assert.True(float.IsFinite(qfl.item<float>()) && qfl.item<float>() >= 0);
        Assert.True(float.IsFinite(focal.item<float>()) && focal.item<float>() >= 0);
        (qfl + focal).backward();
        Assert.All(Floats(p.grad!), g => Assert.True(float.IsFinite(g), $"grad {g}"));
    }

    [Fact]
    public void Centerness_loss_is_bce_with_logits()
    {
        // logit 0 → p .5 → BCE = ln 2 for any target; logit ln 3 → p .75, target 1 → −ln .75 = .287682.
        using var scope = NewDisposeScope();
        var v = new CenternessLoss().Sum(tensor(new float[] { 0f, (float)Math.Log(3) }), tensor(new float[] { .3f, 1f }));
        Close(Math.Log(2) + .2876821, v.item<float>(), 1e-5, "centerness bce");
    }
}
