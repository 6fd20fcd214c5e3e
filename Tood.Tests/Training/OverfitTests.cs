using OpenCvSharp;
using TorchSharp;
using Tood.Realtime.Inference;
using Tood.Train.Data.Augment;
using Tood.Train.Data.Synth;
using Tood.Train.Loss;
using Tood.Train.Model;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Training;

/// <summary>
/// The whole training path (T-Head forward, assignment, losses, backward, SGD) on one fixed synthetic
/// batch: 50 steps must drive the total loss below 30% of its start. A broken gradient anywhere (loss
/// signs, alignment sampling, the score path) keeps the loss from collapsing. ATSS assignment is used
/// because its targets are fixed: TAL's soft targets t̂ rise as predictions improve, so its loss on a fixed
/// batch does not fall monotonically (measured: 24–36% after 50 steps depending on the initialisation,
/// which parallel tests sharing torch's global RNG make vary). ATSS with 2 images: 19–23% over seeds 0, 3, 5.
/// </summary>
public class OverfitTests
{
    [Fact]
    public void Fifty_sgd_steps_on_one_fixed_batch_drive_the_tiny_loss_below_30_percent()
    {
        const int size = 128, batch = 2, classes = 6;
        torch.manual_seed(0);
        var gen = new SynthGenerator(seed: 11, size, size);
        var pixels = new float[batch * 3 * size * size];
        var gts = new List<GtInstances>();
        for (int b = 0; b < batch; b++)
        {
            var (image, objects) = gen.Render(b);
            using (image)
                ImageTransform.ToNormalizedChw(image, pixels.AsSpan(b * 3 * size * size, 3 * size * size), ModelContract.DefaultMean, ModelContract.DefaultStd);
            var labelled = objects.Where(o => !o.Crowd).ToList();
            gts.Add(new GtInstances(
                torch.tensor(labelled.SelectMany(o => new[] { o.X1, o.Y1, o.X2, o.Y2 }).ToArray(), [labelled.Count, 4]),
                torch.tensor(labelled.Select(o => (long)o.Kind).ToArray())));
        }
        using var images = torch.tensor(pixels, [batch, 3, size, size]);
        using var model = ToodDetector.Create("tiny", classes);
        model.train();
        // lr 0.005: on one tiny batch with BatchNorm in train mode larger rates oscillate.
        using var optimizer = torch.optim.SGD(model.parameters(), 0.005, momentum: 0.9);
        var criterion = new ToodLoss(classes);
        var sizes = Priors.LevelSizes(size, size);
        using var points = Priors.AnchorPoints(size, size);
        using var strides = Priors.Strides(size, size);
        var counts = sizes.Select(s => s.Height * s.Width).ToList();

        double first = 0, last = 0;
        for (int step = 0; step < 50; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var output = model.forward(images);
            var loss = criterion.Forward(new LossInputs(output.FlatScores(), output.FlatBoxes(), points, strides, counts), gts, AssignMode.Atss);
            double value = loss.Total.item<float>();
            Assert.True(double.IsFinite(value), $"step {step}: loss {value}");
            if (step == 0) first = value;
            last = value;
            loss.Total.backward();
            optimizer.step();
        }
        Assert.True(last < 0.3 * first, $"loss {first:F4} → {last:F4} after 50 steps (needs < 30%)");
    }
}
