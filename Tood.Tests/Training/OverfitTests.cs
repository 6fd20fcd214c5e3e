using Tood.Realtime.Inference;
using Tood.Train.Assign;
using Tood.Train.Data.Augment;
using Tood.Train.Data.Synth;
using Tood.Train.Loss;
using Tood.Train.Model;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tood.Tests.Training;

/// <summary>
/// The whole training path with task-aligned learning from the first step — T-Head forward, TAL assignment on
/// the model's own predictions, QFL with soft targets t̂, t̂-weighted GIoU, batch normalisers, backward, SGD — on
/// one fixed synthetic batch. A broken gradient anywhere (loss signs, the alignment sampling, the score path, the
/// normalisers) keeps it from learning.
/// <para>Why this works with TAL now, where the earlier version had to use ATSS: TAL's targets move with the
/// predictions (t̂ rises as the boxes improve), so its loss on a fixed batch falls unevenly, and the earlier
/// measurement (24–36 % of the start after 50 steps) depended on the initialisation, which tests running in
/// parallel changed by drawing from torch's shared global generator. Here the model is re-initialised from its
/// own generator (<see cref="InitFromOwnGenerator"/>), so the run is the same every time, and the test asserts what
/// TAL is for — the predicted boxes move onto the objects — besides the loss.</para>
/// </summary>
[Collection(Model.TorchRngCollection.Name)]
public class OverfitTests(ITestOutputHelper log)
{
    private const int Size = 128, Batch = 2, Classes = 6, Steps = 60;

    [Fact]
    public void Tal_from_the_first_step_fits_one_fixed_batch()
    {
        var gen = new SynthGenerator(seed: 11, Size, Size);
        var pixels = new float[Batch * 3 * Size * Size];
        var gts = new List<GtInstances>();
        for (int b = 0; b < Batch; b++)
        {
            var (image, objects) = gen.Render(b);
            using (image)
                ImageTransform.ToNormalizedChw(image, pixels.AsSpan(b * 3 * Size * Size, 3 * Size * Size), ModelContract.DefaultMean, ModelContract.DefaultStd);
            var labelled = objects.Where(o => !o.Crowd).ToList();
            gts.Add(new GtInstances(
                torch.tensor(labelled.SelectMany(o => new[] { o.X1, o.Y1, o.X2, o.Y2 }).ToArray(), [labelled.Count, 4]),
                torch.tensor(labelled.Select(o => (long)o.Kind).ToArray())));
        }
        using var images = torch.tensor(pixels, [Batch, 3, Size, Size]);
        torch.manual_seed(0); // the spreads InitFromOwnGenerator keeps come from this draw (alone in its collection)
        using var model = ToodDetector.Create("tiny", Classes);
        InitFromOwnGenerator(model, seed: 0);
        model.train();
        // lr 0.005: on one tiny batch with BatchNorm in train mode larger rates oscillate.
        using var optimizer = torch.optim.SGD(model.parameters(), 0.005, momentum: 0.9);
        var criterion = new ToodLoss(Classes);
        var sizes = Priors.LevelSizes(Size, Size);
        using var points = Priors.AnchorPoints(Size, Size);
        using var strides = Priors.Strides(Size, Size);
        var counts = sizes.Select(s => s.Height * s.Width).ToList();

        double firstLoss = 0, lastLoss = 0, firstIou = 0, lastIou = 0;
        for (int step = 0; step < Steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var output = model.forward(images);
            var boxes = output.FlatBoxes();
            using var loss = criterion.Forward(new LossInputs(output.FlatScores(), boxes, points, strides, counts), gts, AssignMode.TaskAligned);
            double value = loss.ToValues().Total, iou = MeanBestIou(boxes, gts);
            Assert.True(double.IsFinite(value), $"step {step}: loss {value}");
            if (step == 0) (firstLoss, firstIou) = (value, iou);
            (lastLoss, lastIou) = (value, iou);
            if (step % 10 == 0 || step == Steps - 1) log.WriteLine($"step {step}: loss {value:F4}, mean best IoU {iou:F3}");
            loss.Total.backward();
            optimizer.step();
        }
        // Measured (seed 0, the same every run): loss 1.923 → 0.275 (14 %), mean best IoU 0.484 → 0.915.
        Assert.True(lastLoss < 0.3 * firstLoss, $"loss {firstLoss:F4} → {lastLoss:F4} after {Steps} TAL steps (needs < 30 %)");
        Assert.True(lastIou > 0.8 && lastIou > firstIou + 0.3, $"mean best IoU {firstIou:F3} → {lastIou:F3} (needs > 0.8 and +0.3)");
    }

    /// <summary>Mean over the gts of the best IoU any predicted box reaches with it.</summary>
    private static double MeanBestIou(Tensor boxes, IReadOnlyList<GtInstances> gts)
    {
        using var scope = torch.NewDisposeScope();
        var best = gts.Select((g, b) => BoxOps.PairwiseIoU(boxes[b].detach(), g.Boxes).amax([0])).ToArray();
        return torch.cat(best).mean().item<float>();
    }

    /// <summary>
    /// Redraws every parameter from a local generator with the mean and spread it was initialised with (constants,
    /// such as norm weights and prior biases, stay as they are), so the run does not depend on what tests running in
    /// parallel drew from torch's global generator in between.
    /// </summary>
    internal static void InitFromOwnGenerator(nn.Module model, int seed)
    {
        var gen = new Generator((ulong)seed);
        using var noGrad = torch.no_grad();
        foreach (var p in model.parameters())
        {
            if (p.numel() < 2) continue;
            var mean = p.mean();
            var std = p.std();
            p.copy_(torch.randn(p.shape, generator: gen) * std + mean);
        }
    }
}
