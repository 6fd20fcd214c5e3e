using Tood.Train.Loss;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Loss;

public class ToodLossTests
{
    [Theory]
    [InlineData(0, AssignMode.Atss)]
    [InlineData(3, AssignMode.Atss)]
    [InlineData(4, AssignMode.TaskAligned)]
    [InlineData(11, AssignMode.TaskAligned)]
    public void Mode_switches_to_TAL_at_epoch_4(int epoch, AssignMode expected)
    {
        Assert.Equal(expected, ToodLoss.ModeForEpoch(epoch));
    }

    [Fact]
    public void Custom_warmup_length_is_respected()
    {
        Assert.Equal(AssignMode.TaskAligned, ToodLoss.ModeForEpoch(0, warmupEpochs: 0));
        Assert.Equal(AssignMode.Atss, ToodLoss.ModeForEpoch(5, warmupEpochs: 6));
    }

    /// <summary>
    /// K = 1, two anchors (stride 8): a0 at (10,10) predicting (0,0,20,10), score .5; a1 at (100,100)
    /// predicting (90,90,110,110), score .1; gt (0,0,20,20) class 0.
    /// TAL: u(a0) = 200/400 = .5, t = .5·.5^6 = .0078125 → a0 positive (a1: u 0, outside);
    ///      t̂ = .0078125/(.0078125 + 1e-7)·.5 = .4999936.
    /// cls: a0 |t̂ − .5|²·BCE ≈ 3e-11; a1 .1²·(−ln .9) = .01·.105361 = .0010536. Divisor max(Σt̂ = .4999936, 1) = 1.
    /// bbox: GIoU(a0) = .5 (enclose = union = 400) → loss .5, weighted .2499968, ÷ max(.4999936, 1) = 1, × 2 → .4999936.
    /// </summary>
    private static (LossInputs Inputs, GtInstances[] Gts) TalScene(int batch)
    {
        var points = Rows(2, 10, 10, 100, 100);
        var scores = tensor(new float[] { .5f, .1f }).reshape(1, 2, 1).expand(batch, 2, 1).contiguous();
        var boxes = Rows(4, 0, 0, 20, 10, 90, 90, 110, 110).unsqueeze(0).expand(batch, 2, 4).contiguous();
        var gts = Enumerable.Range(0, batch).Select(_ => new GtInstances(Rows(4, 0, 0, 20, 20), Longs(0))).ToArray();
        return (new LossInputs(scores, boxes, points, full(2, 8f), new[] { 2 }), gts);
    }

    [Fact]
    public void TAL_losses_match_hand_values_with_divisor_floor_of_one()
    {
        using var scope = NewDisposeScope();
        var (inputs, gts) = TalScene(1);
        using var loss = new ToodLoss(1).Forward(inputs, gts, AssignMode.TaskAligned);
        var v = loss.ToValues();
        Assert.Equal(1, v.NumPositives);
        Close(.0010536, v.Cls, 1e-6, "cls");
        Close(.4999936, v.Bbox, 1e-5, "bbox");
        Close(.4999936, v.WeightSum, 1e-5, "Σt̂");
        Close(v.Cls + v.Bbox, v.Total, 1e-6, "total");
        Assert.Null(v.Centerness);
    }

    [Fact]
    public void TAL_losses_are_normalised_by_batch_sums()
    {
        // Three copies of the scene: Σt̂ = 1.4999808 > 1, so
        // cls = 3·.0010536/1.4999808 = .0021072 and bbox = 2·3·.2499968/1.4999808 = 1.0 (= 2·mean GIoU loss).
        using var scope = NewDisposeScope();
        var (inputs, gts) = TalScene(3);
        using var loss = new ToodLoss(1).Forward(inputs, gts, AssignMode.TaskAligned);
        var v = loss.ToValues();
        Assert.Equal(3, v.NumPositives);
        Close(.0021072, v.Cls, 1e-6, "cls");
        Close(1.0, v.Bbox, 1e-5, "bbox");
    }

    [Fact]
    public void Warmup_losses_match_hand_values_on_the_atss_scene()
    {
        // ATSS scene of AtssAssignerTests (K = 2): positives a1 → g0, a2 → g1, a3 → g1 with centerness
        // c1 = sqrt(13/19) = .827170, c2 = .827170, c3 = sqrt(10/22) = .674200.
        // Scores all .5 → focal per element: positive .25·.25·ln 2, negative .75·.25·ln 2;
        //   8 anchors × 2 classes = 16 elements, 3 positive: ln 2·(3·.0625 + 13·.1875) = 2.625 ln 2; ÷ 3 positives → .875 ln 2 = .606504.
        // Boxes: a1 (0,0,32,16) vs g0 (0,0,32,32) → GIoU .5 → loss .5; a2 = g1 → 0; a3 (8,0,40,16) vs g1 → .5; others irrelevant.
        //   bbox = 2·(.827170·.5 + .674200·.5)/(.827170 + .827170 + .674200) = 2·.750685/2.328540 = .644769.
        // Centerness logits 0 → BCE = ln 2 per positive → 3 ln 2 / 3 = .693147.
        using var scope = NewDisposeScope();
        var inputs = new LossInputs(full(1, 8, 2, .5f), WarmupScene.PredictedBoxes().unsqueeze(0), WarmupScene.Points(), WarmupScene.Strides(),
            WarmupScene.LevelCounts, CenternessLogits: zeros(1, 8, 1));   // [B,A,1] as DetectorOutput.FlatCenterness()
        var gts = new[] { WarmupScene.Gts() };
        using var loss = new ToodLoss(2).Forward(inputs, gts, AssignMode.Atss);
        var v = loss.ToValues();
        Assert.Equal(3, v.NumPositives);
        Close(.606504, v.Cls, 1e-5, "cls");
        Close(.644769, v.Bbox, 1e-5, "bbox");
        Close(.693147, v.Centerness!.Value, 1e-5, "centerness");
        Close(2.328540, v.WeightSum, 1e-5, "Σ centerness");
        Close(.606504 + .644769 + .693147, v.Total, 3e-5, "total");
    }

    [Theory]
    [InlineData(AssignMode.Atss)]
    [InlineData(AssignMode.TaskAligned)]
    public void End_to_end_on_random_tensors_is_finite_positive_and_differentiable(AssignMode mode)
    {
        // 64×64 input, strides 8..128 → 8·8 + 4·4 + 2·2 + 1 + 1 = 86 anchors; K = 3; image 1 has no gts.
        using var scope = NewDisposeScope();
        var gen = new Generator(123);
        var (points, strides, counts) = Priors(64, 64);
        long a = points.shape[0];
        var logits = randn(new long[] { 2, a, 3 }, generator: gen).requires_grad_(true);
        var dist = (randn(new long[] { 2, a, 4 }, generator: gen) * 0.5).requires_grad_(true);
        var ctrLogits = randn(new long[] { 2, a }, generator: gen).requires_grad_(true);
        var scores = logits.sigmoid();
        // boxes = point ∓ exp(d)·2·stride (ltrb distances, always proper boxes here).
        var ext = dist.exp() * (strides * 2).unsqueeze(-1);
        var p = points.unsqueeze(0);
        var boxes = cat(new[] { p - ext[.., .., ..2], p + ext[.., .., 2..] }, -1);
        var gts = new[]
        {
            new GtInstances(Rows(4, 4, 6, 40, 30, 20, 20, 60, 62), Longs(0, 2)),
            new GtInstances(zeros(0, 4), zeros(0, dtype: ScalarType.Int64)),
        };
        var criterion = new ToodLoss(3);
        using var loss = criterion.Forward(new LossInputs(scores, boxes, points, strides, counts, ctrLogits), gts, mode);
        var v = loss.ToValues();
        Assert.True(v.NumPositives > 0, "expected positives");
        Assert.True(double.IsFinite(v.Total) && v.Total > 0, $"total {v.Total}");
        Assert.True(v.Cls > 0 && v.Bbox > 0 && v.Centerness > 0);
        loss.Total.backward();
        foreach (var (name, leaf) in new[] { ("logits", logits), ("dist", dist), ("centerness", ctrLogits) })
        {
            var g = Floats(leaf.grad!);
            Assert.All(g, x => Assert.True(float.IsFinite(x), $"{name} grad {x}"));
            Assert.Contains(g, x => x != 0);
        }
    }

    [Fact]
    public void Batch_without_any_gt_gives_zero_box_loss_and_connected_graph()
    {
        using var scope = NewDisposeScope();
        var (points, strides, counts) = Priors(64, 64);
        long a = points.shape[0];
        var logits = zeros(1, a, 2).requires_grad_(true);
        var boxes = (points.repeat(1, 2).unsqueeze(0) + tensor(new float[] { -8, -8, 8, 8 })).requires_grad_(true);
        var gts = new[] { new GtInstances(zeros(0, 4), zeros(0, dtype: ScalarType.Int64)) };
        using var loss = new ToodLoss(2).Forward(new LossInputs(logits.sigmoid(), boxes, points, strides, counts), gts, AssignMode.TaskAligned);
        var v = loss.ToValues();
        Assert.Equal(0, v.NumPositives);
        Assert.Equal(0, v.Bbox);
        // Only negatives: Σ p²·(−ln(1−p)) with p = .5 → 86·2·.25·ln 2, ÷ floor 1.
        Close(a * 2 * .25 * Math.Log(2), v.Cls, 1e-3, "cls");
        loss.Total.backward();
        Assert.NotNull(boxes.grad);
    }

    [Fact]
    public void Assignment_is_separately_callable_and_compute_reuses_it()
    {
        using var scope = NewDisposeScope();
        var (inputs, gts) = TalScene(2);
        var criterion = new ToodLoss(1);
        using var assignment = criterion.Assign(inputs, gts, AssignMode.TaskAligned);
        Assert.Equal(new long[] { 2, 2 }, assignment.Labels.shape);
        Assert.Equal(new[] { true, false, true, false }, Bools(assignment.PositiveMask.flatten()));
        using var loss = criterion.Compute(inputs, assignment);
        Close(2 * .4999936 * 2 * .5 / Math.Max(2 * .4999936, 1), loss.ToValues().Bbox, 1e-5, "bbox");
    }

    [Fact]
    public void Assignment_survives_the_callers_inner_scopes_and_frees_with_the_outer_one()
    {
        // Results are created inside the criterion's own dispose scopes; they must come back alive
        // in the caller's scope (regression guard for scope hand-over) and be usable after it.
        using var outer = NewDisposeScope();
        var (inputs, gts) = TalScene(2);
        BatchAssignment assignment;
        using (var inner = NewDisposeScope())
        {
            assignment = new ToodLoss(1).Assign(inputs, gts, AssignMode.TaskAligned).MoveToOuterDisposeScope();
        }
        Assert.Equal(new long[] { 0, 1, 0, 1 }, LongArray(assignment.Labels.flatten()));
        Assert.Equal(new long[] { 0, -1 }, LongArray(assignment.Images[1].AssignedGt));
        assignment.Dispose();
    }

    [Fact]
    public void Mismatched_gt_count_is_rejected()
    {
        using var scope = NewDisposeScope();
        var (inputs, gts) = TalScene(2);
        Assert.Throws<ArgumentException>(() => new ToodLoss(1).Forward(inputs, gts.Take(1).ToArray(), AssignMode.TaskAligned));
    }

    /// <summary>Anchor points (j·s, i·s), strides and level counts for an H×W input (CONTEXT.md conventions).</summary>
    private static (Tensor Points, Tensor Strides, int[] Counts) Priors(int h, int w)
    {
        int[] levelStrides = { 8, 16, 32, 64, 128 };
        var pts = new List<float>();
        var str = new List<float>();
        var counts = new int[levelStrides.Length];
        for (int l = 0; l < levelStrides.Length; l++)
        {
            int s = levelStrides[l];
            int hl = (h + s - 1) / s, wl = (w + s - 1) / s;
            counts[l] = hl * wl;
            for (int i = 0; i < hl; i++)
            {
                for (int j = 0; j < wl; j++)
                {
                    pts.Add(j * s);
                    pts.Add(i * s);
                    str.Add(s);
                }
            }
        }
        return (tensor(pts.ToArray()).reshape(-1, 2), tensor(str.ToArray()), counts);
    }
}
