using Tood.Train.Model;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Model;

/// <summary>
/// The folded layer attention (w folded into the 1×1 reduction weight, one batched matmul — mmdet's form)
/// against the unfolded form (scale each C-channel block of X_inter by w_k, then the 1×1 conv): same outputs
/// and same gradients for the input and every parameter, at the tiny width and at the paper's (C 256, N 6).
/// </summary>
public class TaskDecompositionTests
{
    [Theory]
    [InlineData(64, 3, 16, 9, 11)]
    [InlineData(256, 6, 32, 5, 7)]
    public void Folded_form_equals_the_unfolded_form_in_outputs_and_gradients(int channels, int stacked, int groups, int h, int w)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(17);
        var module = new TaskDecomposition(channels, stacked, groups);
        // Non-trivial attention and GN affine parameters (the init makes w ≈ 0.5 everywhere).
        using (no_grad())
            foreach (var p in module.parameters())
                p.copy_(randn(p.shape, generator: gen) * 0.3 + (p.dim() == 1 ? 1.0 : 0.0));
        var feat = randn(new long[] { 2, (long)channels * stacked, h, w }, generator: gen).relu();

        var (folded, foldedGrads) = Run(module, feat, folded: true);
        var (unfolded, unfoldedGrads) = Run(module, feat, folded: false);

        Assert.Equal(unfolded.shape, folded.shape);
        AssertClose(Floats(unfolded), Floats(folded), 1e-5, "output");
        Assert.Equal(unfoldedGrads.Count, foldedGrads.Count);
        foreach (var (name, g) in unfoldedGrads)
            AssertClose(Floats(g), Floats(foldedGrads[name]), 1e-5, name);
    }

    private static (Tensor Output, Dictionary<string, Tensor> Grads) Run(TaskDecomposition module, Tensor input, bool folded)
    {
        module.zero_grad();
        var feat = input.detach().clone().requires_grad_(true);
        var avg = nn.functional.adaptive_avg_pool2d(feat, [1, 1]);
        var y = folded ? module.forward(feat, avg) : module.ForwardUnfolded(feat, avg);
        // A fixed, non-uniform upstream gradient.
        var weights = arange(y.numel(), dtype: ScalarType.Float32).reshape(y.shape).sin();
        (y * weights).sum().backward();
        var grads = new Dictionary<string, Tensor> { ["input"] = feat.grad!.clone() };
        foreach (var (name, p) in module.named_parameters())
            grads[name] = p.grad!.clone();
        return (y.detach(), grads);
    }

    /// <summary>|a − b| ≤ tol·max(1, max|a|) element-wise (gradients of the 256×6 case reach tens).</summary>
    private static void AssertClose(float[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1.0, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * scale,
                $"{what}[{i}]: {actual[i]:R} vs {expected[i]:R} (scale {scale:G4})");
    }
}
