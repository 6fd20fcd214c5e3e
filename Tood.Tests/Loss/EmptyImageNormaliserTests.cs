using Tood.Train.Assign;
using Tood.Train.Loss;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Loss;

/// <summary>
/// Issue 24's two warm-up batches with images that hold no positive, against MMDetection v3's own normalisers:
/// TOODHead (warm-up) divides loss_cls by max(Σ positives over the batch, 1) — its cls avg factor is the sum of
/// the ATSS bbox weights; ATSSHead divides loss_cls and loss_centerness by Σ_images SamplingResult.avg_factor,
/// where avg_factor = num_pos = max(positives in the image, 1) (PseudoSampler, avg_factor_with_neg=False).
/// One class, every score 0.5 and every centerness logit 0, so each element's loss is known in closed form:
/// focal positive 0.25·0.5²·ln 2 = 0.0625 ln 2, focal negative 0.75·0.5²·ln 2 = 0.1875 ln 2, centerness BCE ln 2.
/// </summary>
public class EmptyImageNormaliserTests
{
    private const int Anchors = 100;
    private static readonly double Ln2 = Math.Log(2);

    /// <summary>A batch whose image b has <paramref name="positives"/>[b] positives (anchors 0..n−1, gt box = anchor box, centerness 1).</summary>
    private static (LossInputs Inputs, BatchAssignment Assignment) Batch(int[] positives, bool centerness)
    {
        int batch = positives.Length;
        var points = zeros(Anchors, 2);
        var results = new List<AssignResult>();
        for (int b = 0; b < batch; b++)
        {
            var pos = zeros(Anchors, dtype: ScalarType.Bool);
            if (positives[b] > 0) pos[TensorIndex.Slice(0, positives[b])] = tensor(true);
            var box = Rows(4, -10, -10, 10, 10);                 // centre (0,0): centerness 1 for every anchor point
            results.Add(AssignResult.FromAssignment(1, points, pos, zeros(Anchors, dtype: ScalarType.Int64), box, Longs(0),
                ones(Anchors), ones(Anchors), ones(Anchors, dtype: ScalarType.Bool)));
        }
        var assignment = new BatchAssignment(AssignMode.Atss, results);
        var inputs = new LossInputs(full(batch, Anchors, 1, .5f), Rows(4, -10, -10, 10, 10).expand(batch, Anchors, 4).contiguous(),
            points, full(Anchors, 8f), [Anchors], CenternessLogits: centerness ? zeros(batch, Anchors) : null);
        return (inputs, assignment);
    }

    private static LossValues Loss(int[] positives, bool centerness)
    {
        var (inputs, assignment) = Batch(positives, centerness);
        using (assignment)
            return new ToodLoss(1).Compute(inputs, assignment).ToValues();
    }

    private static double ClsSum(int positives, int images) =>
        (positives * .0625 + (images * Anchors - positives) * .1875) * Ln2;

    [Fact]
    public void T_head_warmup_62_positives_and_an_empty_image_divide_cls_by_62()
    {
        using var scope = NewDisposeScope();
        var v = Loss([62, 0], centerness: false);
        Assert.Equal(62, v.NumPositives);
        Close(ClsSum(62, 2) / 62, v.Cls, 1e-5, "cls");
        Assert.Equal(0.0, v.Bbox, 6);                        // predicted box = target box: GIoU loss 0
    }

    [Fact]
    public void T_head_warmup_two_empty_images_divide_cls_by_1()
    {
        using var scope = NewDisposeScope();
        var v = Loss([0, 0], centerness: false);
        Assert.Equal(0, v.NumPositives);
        Close(ClsSum(0, 2) / 1, v.Cls, 1e-5, "cls");
    }

    [Fact]
    public void Parallel_head_62_positives_and_an_empty_image_divide_cls_and_centerness_by_63()
    {
        using var scope = NewDisposeScope();
        var v = Loss([62, 0], centerness: true);
        Close(ClsSum(62, 2) / 63, v.Cls, 1e-5, "cls");
        Close(62 * Ln2 / 63, v.Centerness!.Value, 1e-5, "centerness");
    }

    [Fact]
    public void Parallel_head_two_empty_images_divide_cls_by_2_and_have_no_centerness_loss()
    {
        using var scope = NewDisposeScope();
        var v = Loss([0, 0], centerness: true);
        Close(ClsSum(0, 2) / 2, v.Cls, 1e-5, "cls");
        Assert.Equal(0.0, v.Centerness!.Value, 9);
    }
}
