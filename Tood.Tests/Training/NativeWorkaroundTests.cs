using TorchSharp;
using Tood.Train.Model;
using Xunit;

namespace Tood.Tests.Training;

/// <summary>
/// Regression test for the libtorch/oneDNN CPU convolution-backward NaN (Tood.Train/Training/NativeWorkarounds.cs):
/// without the ISA cap a full tiny-model backward on this project's AVX-512 machines produced NaN
/// gradients in nearly every repeat; with it, none may appear.
/// </summary>
public class NativeWorkaroundTests
{
    [Fact]
    public void Full_tiny_model_backward_gives_finite_gradients_in_every_repeat()
    {
        for (int repeat = 0; repeat < 4; repeat++)
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(repeat);
            using var model = ToodDetector.Create("tiny", 6);
            model.train();
            using var output = model.forward(torch.randn(2, 3, 256, 256));
            var loss = output.FlatScores().mean() + output.FlatBoxes().mean() * 1e-3;
            loss.backward();
            var bad = model.named_parameters()
                .Where(p => p.parameter.grad is { } g && !g.isfinite().all().item<bool>())
                .Select(p => p.name).ToList();
            Assert.True(bad.Count == 0, $"repeat {repeat}: non-finite gradients in {string.Join(", ", bad.Take(5))}");
        }
    }
}
