using Tood.Train.Loss;
using Tood.Train.Model;
using Tood.Train.Training;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Training;

/// <summary>
/// <c>--head-lr-mult</c>: from the same weights and batch (so the same gradients), the first SGD step moves every neck
/// and head parameter exactly X times as far as with one rate, and every backbone parameter as far (the first step of
/// momentum SGD is −lr·(g + wd·p), linear in lr).
/// </summary>
[Collection(Export.ExportTestSupport.Serial)]
public class HeadLrMultTests
{
    [Fact]
    public void Neck_and_head_step_three_times_as_far_and_the_backbone_as_far()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var model = new ToodDetector(ModelPresets.Tiny(6) with { NormEval = true });
        model.train();
        var names = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        var start = model.parameters().Where(p => p.requires_grad).Select(p => p.detach().clone()).ToList();
        using var batch = SynthBatches.Make(64, seed: 9, [(64, 64), (64, 48)], [0, 1]);

        var one = Deltas(model, start, batch, headLrMult: 1);
        var three = Deltas(model, start, batch, headLrMult: 3);

        int backbone = 0, rest = 0;
        for (int i = 0; i < names.Count; i++)
        {
            double factor = names[i].StartsWith("backbone.", StringComparison.Ordinal) ? 1 : 3;
            if (factor == 1) backbone++; else rest++;
            // The weights are float32: a change is known to within a few ulps of the weight it was added to.
            double tolerance = 1e-4 * one[i].Max(Math.Abs) + 4e-7 * Floats(start[i]).Max(Math.Abs);
            for (int j = 0; j < one[i].Length; j++)
                Assert.True(Math.Abs(three[i][j] - factor * one[i][j]) <= tolerance,
                    $"{names[i]}[{j}]: moved {three[i][j]:G6} at ×3 vs {one[i][j]:G6} at ×1 (expected ×{factor})");
        }
        Assert.True(backbone > 0 && rest > 0, $"{backbone} backbone and {rest} neck/head parameters compared");
        Assert.True(one.Sum(d => d.Max(Math.Abs)) > 0, "the step moved the weights");
    }

    /// <summary>Restores <paramref name="start"/>, takes one TAL step on <paramref name="batch"/> and returns each
    /// trainable parameter's change.</summary>
    private static List<float[]> Deltas(ToodDetector model, List<Tensor> start, Tood.Train.Data.Batch batch, double headLrMult)
    {
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using (no_grad())
            foreach (var (p, s) in parameters.Zip(start)) p.copy_(s);
        var o = new TrainOptions { TrainAnnotations = "unused.json", RunDir = "unused", Lr = 0.01, HeadLrMult = headLrMult };
        var groups = OptimizerGroups.Create(model, o);
        using var optimizer = groups.Optimizer;
        using var runner = new StepRunner(model, new ToodLoss(6), groups, CPU, null);
        using var monitor = new StepMonitor(CPU);
        runner.BeginGroup(AssignMode.TaskAligned, 1, [batch]);
        runner.RunMicro(batch, "test", monitor);
        runner.EndGroup(0.01, monitor);
        return [.. parameters.Zip(start).Select(ps => Floats(ps.First.detach() - ps.Second))];
    }
}
