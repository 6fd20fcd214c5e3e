using Tood.Train.Loss;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Loss;

/// <summary>
/// Loss normalisers as MMDetection 2.x (the official TOOD code base) computes them, on <see cref="WarmupScene"/>
/// followed by a second image without objects.
/// </summary>
public class NormaliserTests
{
    private static (LossInputs Inputs, GtInstances[] Gts) AtssSceneWithEmptyImage(bool centerness)
    {
        var inputs = new LossInputs(full(2, 8, 2, .5f), WarmupScene.PredictedBoxes().unsqueeze(0).expand(2, 8, 4).contiguous(),
            WarmupScene.Points(), WarmupScene.Strides(), WarmupScene.LevelCounts, CenternessLogits: centerness ? zeros(2, 8) : null);
        var gts = new[] { WarmupScene.Gts(), new GtInstances(zeros(0, 4), zeros(0, dtype: ScalarType.Int64)) };
        return (inputs, gts);
    }

    [Fact]
    public void Atss_head_divides_cls_and_centerness_by_the_sum_over_images_of_max_positives_1()
    {
        // mmdet ATSSHead: num_total_samples = Σ_i max(n_i, 1) = 3 + 1 = 4 (the empty image counts 1).
        // Focal, p = .5: image 0 2.625 ln 2 (3 positive, 13 negative elements), image 1 16 negatives · .1875 ln 2 = 3 ln 2;
        //   cls = 5.625 ln 2 / 4 = .974738.  Centerness BCE at logit 0 = ln 2 per positive: 3 ln 2 / 4 = .519860.
        // bbox ÷ max(Σ centerness, 1) = 2.328540 as for the single image: .644769.
        using var scope = NewDisposeScope();
        var (inputs, gts) = AtssSceneWithEmptyImage(centerness: true);
        var v = new ToodLoss(2).Forward(inputs, gts, AssignMode.Atss).ToValues();
        Assert.Equal(3, v.NumPositives);
        Close(.974738, v.Cls, 1e-5, "cls");
        Close(.519860, v.Centerness!.Value, 1e-5, "centerness");
        Close(.644769, v.Bbox, 1e-5, "bbox");
    }

    [Fact]
    public void T_head_warmup_divides_cls_by_the_batch_positives()
    {
        // mmdet TOODHead in warm-up: cls_avg_factor = Σ positives (the ATSS bbox weights), floor 1: 5.625 ln 2 / 3 = 1.299651.
        using var scope = NewDisposeScope();
        var (inputs, gts) = AtssSceneWithEmptyImage(centerness: false);
        var v = new ToodLoss(2).Forward(inputs, gts, AssignMode.Atss).ToValues();
        Close(1.299651, v.Cls, 1e-5, "cls");
        Close(.644769, v.Bbox, 1e-5, "bbox");
        Assert.Null(v.Centerness);
    }

    [Fact]
    public void Divisors_follow_the_sums_and_floors()
    {
        using var scope = NewDisposeScope();
        // Σ t̂ = .4, Σ n = 0, Σ max(n,1) = 2, Σ centerness = .3 (two images, no positive).
        var sums = tensor(new float[] { .4f, 0f, 2f, .3f });
        Assert.Equal(new float[] { 1, 1, 1 }, Floats(LossNormalisers.Divisors(AssignMode.TaskAligned, sums, true)));
        Assert.Equal(new float[] { 1, 1, 2 }, Floats(LossNormalisers.Divisors(AssignMode.Atss, sums, false)));
        Assert.Equal(new float[] { 2, 1, 2 }, Floats(LossNormalisers.Divisors(AssignMode.Atss, sums, true)));
        var big = tensor(new float[] { 7.5f, 12f, 13f, 9.25f });
        Assert.Equal(new float[] { 7.5f, 7.5f, 7.5f }, Floats(LossNormalisers.Divisors(AssignMode.TaskAligned, big, true)));
        Assert.Equal(new float[] { 13f, 9.25f, 13f }, Floats(LossNormalisers.Divisors(AssignMode.Atss, big, true)));
    }

    [Fact]
    public void Parallel_head_under_TAL_weights_its_centerness_by_t_hat_and_shares_the_divisor()
    {
        // TAL scene of ToodLossTests (one positive, t̂ = .4999936, Σ t̂ < 1 → divisor 1): centerness BCE at logit 0
        // is ln 2 for any target, weighted by t̂: .4999936 · ln 2 = .346570.
        using var scope = NewDisposeScope();
        var points = Rows(2, 10, 10, 100, 100);
        var scores = tensor(new float[] { .5f, .1f }).reshape(1, 2, 1);
        var boxes = Rows(4, 0, 0, 20, 10, 90, 90, 110, 110).unsqueeze(0);
        var inputs = new LossInputs(scores, boxes, points, full(2, 8f), new[] { 2 }, CenternessLogits: zeros(1, 2));
        var v = new ToodLoss(1).Forward(inputs, [new GtInstances(Rows(4, 0, 0, 20, 20), Longs(0))], AssignMode.TaskAligned).ToValues();
        Close(.346570, v.Centerness!.Value, 1e-5, "centerness");
        Close(.0010536, v.Cls, 1e-6, "cls");
    }
}
