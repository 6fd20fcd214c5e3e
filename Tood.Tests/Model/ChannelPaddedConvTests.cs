using TorchSharp;
using Tood.Train.Model;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Model;

/// <summary>
/// The oneDNN conv-backward NaN workaround (Tood.Train/Model/ChannelPaddedConv.cs): same outputs and
/// gradients as the plain conv, and finite gradients in every repeat of a full-model backward at the
/// CPU's own ISA (no ONEDNN_MAX_CPU_ISA cap).
/// </summary>
public class ChannelPaddedConvTests
{
    [Theory]
    [InlineData(16, 1, 1)]
    [InlineData(64, 4, 1)]
    [InlineData(64, 6, 1)]
    [InlineData(16, 8, 1)]
    [InlineData(64, 20, 2)]
    [InlineData(24, 16, 1)]   // in-channels padded
    [InlineData(40, 24, 2)]   // both, strided
    [InlineData(48, 32, 2)]   // odd multiple of 16, strided
    public void Padded_conv_equals_the_plain_conv_in_value_and_gradients(int ic, int oc, int stride)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(oc);
        using var conv = nn.Conv2d(ic, oc, 3, stride: stride, padding: 1);
        var x = torch.randn(2, ic, 12, 10).requires_grad_(true);
        long oh = (12 - 1) / stride + 1, ow = (10 - 1) / stride + 1;
        var g = torch.randn(2, oc, oh, ow);
        Assert.True(ChannelPaddedConv.NeedsPadding(x, ic, oc, 3));

        var yPad = ChannelPaddedConv.Forward(conv, x);
        (yPad * g).sum().backward();
        var (dxPad, dwPad, dbPad) = (x.grad!.clone(), conv.weight!.grad!.clone(), conv.bias!.grad!.clone());

        // Reference: the same conv as a plain matmul over unfolded patches (no oneDNN convolution).
        x.grad!.zero_(); conv.weight!.grad!.zero_(); conv.bias!.grad!.zero_();
        var cols = nn.functional.unfold(x, 3, padding: 1, stride: stride);      // [2, ic·9, oh·ow]
        var yRef = (conv.weight!.view(oc, -1).matmul(cols) + conv.bias!.view(1, oc, 1)).view(2, oc, oh, ow);
        (yRef * g).sum().backward();

        Assert.Equal(new long[] { 2, oc, oh, ow }, yPad.shape);
        Assert.True(yPad.allclose(yRef, rtol: 1e-4, atol: 1e-5), $"max |Δy| {(yPad - yRef).abs().max().item<float>()}");
        Assert.True(dxPad.allclose(x.grad!, rtol: 1e-4, atol: 1e-5), $"max |Δdx| {(dxPad - x.grad!).abs().max().item<float>()}");
        Assert.True(dwPad.allclose(conv.weight!.grad!, rtol: 1e-4, atol: 1e-4), $"max |Δdw| {(dwPad - conv.weight!.grad!).abs().max().item<float>()}");
        Assert.True(dbPad.allclose(conv.bias!.grad!, rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void Padding_applies_only_where_the_defect_can_strike()
    {
        using var x = torch.zeros(1, 4, 8, 8);
        Assert.False(ChannelPaddedConv.NeedsPadding(x, 64, 16, 3));   // multiples of the block
        Assert.False(ChannelPaddedConv.NeedsPadding(x, 64, 80, 3));
        Assert.False(ChannelPaddedConv.NeedsPadding(x, 3, 64, 7));    // small in-channel counts are fine (stem)
        Assert.False(ChannelPaddedConv.NeedsPadding(x, 64, 4, 1));    // 1×1 kernels are fine
        Assert.True(ChannelPaddedConv.NeedsPadding(x, 64, 4, 3));
        Assert.True(ChannelPaddedConv.NeedsPadding(x, 24, 16, 3));
        Assert.True(ChannelPaddedConv.NeedsPadding(x, 48, 32, 3));    // odd multiple of 16 (stride-2 backward)
        Assert.False(ChannelPaddedConv.NeedsPadding(x, 96, 32, 3));
        using (torch.no_grad())
        {
            Assert.False(ChannelPaddedConv.NeedsPadding(x, 64, 4, 3)); // out-channel defect: backward only
            Assert.True(ChannelPaddedConv.NeedsPadding(x, 40, 16, 3)); // in-channel defect: forward too
        }
    }

    [Fact]
    public void Custom_widths_that_hit_the_in_channel_defect_train_with_finite_values()
    {
        // FPN 96 → a 24-channel offset/probability branch (the run that first showed the forward NaN).
        var cfg = ModelPresets.Tiny(6) with { FpnChannels = 96 };
        for (int repeat = 0; repeat < 4; repeat++)
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(repeat);
            using var model = new ToodDetector(cfg);
            model.train();
            using var output = model.forward(torch.randn(4, 3, 256, 256));
            Assert.True(output.FlatScores().isfinite().all().item<bool>(), $"repeat {repeat}: non-finite scores");
            Assert.True(output.FlatBoxes().isfinite().all().item<bool>(), $"repeat {repeat}: non-finite boxes");
            (output.FlatScores().mean() + output.FlatBoxes().mean() * 1e-3).backward();
            Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>()));
        }
    }

    [Theory]
    [InlineData(HeadKind.TaskAligned)]
    [InlineData(HeadKind.Parallel)]
    public void Full_tiny_model_backward_gives_finite_gradients_in_every_repeat(HeadKind head)
    {
        // Before the workaround, at the default ISA, every one of these repeats saw NaN in some gradient
        // (20 affected conv calls per backward, each NaN in ≈ 1 of 12 calls).
        for (int repeat = 0; repeat < 6; repeat++)
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(repeat);
            using var model = ToodDetector.Create("tiny", 6, head);
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
