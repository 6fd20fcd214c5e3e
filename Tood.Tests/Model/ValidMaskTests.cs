using Tood.Tests.Training;
using Tood.Train.Loss;
using Tood.Train.Model;
using Tood.Train.Training;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Model;

/// <summary>Valid flags from each image's own extent (spec §3): anchors in the padding take no part in training.</summary>
[Collection(Export.ExportTestSupport.Serial)]
public class ValidMaskTests
{
    [Fact]
    public void Valid_flags_follow_each_images_extent_padded_to_32_on_a_64px_canvas()
    {
        // Levels of 64×64: 8×8 (s 8), 4×4, 2×2, 1×1, 1×1 = 86 anchors.
        // Image 0: 64×64 → all valid. Image 1: 40×20 → padded 64×32 → P3 rows < 4 (cols < 8): 32 of 64;
        // P4 rows < 2: 8 of 16; P5 rows < 1: 2 of 4; P6/P7: ceil(32/64) = 1 → valid.
        // Image 2: 20×64 → padded 32×64 → P3 cols < 4: 32; P4 cols < 2: 8; P5 2; P6, P7 1.
        using var scope = NewDisposeScope();
        var sizes = Priors.LevelSizes(64, 64);
        var mask = Priors.ValidMask(sizes, Priors.DefaultStrides, [(64, 64), (40, 20), (20, 64)]);
        Assert.Equal(new long[] { 3, 86 }, mask.shape);
        var m = Bools(mask);
        bool At(int b, int a) => m[b * 86 + a];
        Assert.All(Enumerable.Range(0, 86), a => Assert.True(At(0, a)));
        Assert.Equal(32 + 8 + 2 + 1 + 1, Enumerable.Range(0, 86).Count(a => At(1, a)));
        Assert.True(At(1, 31) && !At(1, 32));            // P3 row 3 valid, row 4 not
        Assert.True(At(1, 64 + 7) && !At(1, 64 + 8));    // P4 row 1 valid, row 2 not
        Assert.True(At(1, 80 + 1) && !At(1, 80 + 2));    // P5 row 0 valid, row 1 not
        Assert.Equal(32 + 8 + 2 + 1 + 1, Enumerable.Range(0, 86).Count(a => At(2, a)));
        Assert.True(At(2, 3) && !At(2, 4) && At(2, 8 + 3) && !At(2, 8 + 4));  // P3 cols 0..3 of every row
        Assert.True(At(2, 84) && At(2, 85));
    }

    [Fact]
    public void Bad_extents_are_rejected()
    {
        var sizes = Priors.LevelSizes(64, 64);
        Assert.Throws<ArgumentException>(() => Priors.ValidMask(sizes, Priors.DefaultStrides, []));
        Assert.Throws<ArgumentException>(() => Priors.ValidMask(sizes, Priors.DefaultStrides, [(0, 10)]));
    }

    [Theory]
    [InlineData(AssignMode.TaskAligned)]
    [InlineData(AssignMode.Atss)]
    public void Training_step_masks_each_images_padding(AssignMode mode)
    {
        // Two letterboxed images with padding below (64×32 content) and right (32×64): the step's loss equals the
        // criterion with the valid mask and differs from the unmasked one (padding anchors would be negatives).
        // Score biases at 0 (scores ≈ 0.5 instead of the 0.01 prior) so each padding negative weighs visibly.
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        using var model = new ToodDetector(ModelPresets.Tiny(6) with { NormEval = true });
        model.train();
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name is "bbox_head.tood_cls.bias" or "bbox_head.cls_prob_module.2.bias") p.zero_();
        using var batch = SynthBatches.Make(64, seed: 7, [(96, 48), (48, 96)], [0, 1]);
        Assert.Equal([(64, 32), (32, 64)], batch.ContentSizes);

        double masked, unmasked, positives;
        using (no_grad())
        {
            using var output = model.forward(batch.Images);
            var sizes = output.LevelSizes;
            var inputs = new LossInputs(output.FlatScores(), output.FlatBoxes(), Priors.AnchorPoints(sizes, model.Strides),
                Priors.Strides(sizes, model.Strides), [.. sizes.Select(s => s.Height * s.Width)]);
            var gts = batch.GtBoxes.Zip(batch.GtLabels, (b, l) => new GtInstances(b, l)).ToList();
            var criterion = new ToodLoss(6);
            using var withMask = criterion.Forward(inputs with { ValidMask = Priors.ValidMask(sizes, model.Strides, batch.ContentSizes) }, gts, mode);
            using var withoutMask = criterion.Forward(inputs, gts, mode);
            masked = withMask.ToValues().Total;
            positives = withMask.ToValues().NumPositives;
            unmasked = withoutMask.ToValues().Total;
        }

        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.SGD(parameters, 0.01);
        using var runner = new StepRunner(model, new ToodLoss(6), parameters, optimizer, CPU, null);
        using var monitor = new StepMonitor(CPU);
        runner.BeginGroup(mode, 1, [batch]);
        runner.RunMicro(batch, "test", monitor);
        runner.EndGroup(0.01, monitor);
        var reading = monitor.Read(new HostReads());
        Close(masked, reading.Total, 1e-5 * masked, "step loss vs masked criterion");
        Assert.Equal(positives, reading.Positives);   // the logged positives are the step's own (ATSS once counted them twice)
        Assert.True(Math.Abs(unmasked - masked) > 0.05 * masked, $"padding changes the loss: masked {masked}, unmasked {unmasked}");
    }
}
