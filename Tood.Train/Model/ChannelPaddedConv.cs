using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// Runs a k×k (k &gt; 1) <see cref="Conv2d"/> with its channel counts zero-padded to multiples of
/// <see cref="Block"/> where libtorch's CPU convolution would otherwise return NaN, then narrows the
/// result back. Same function, same gradients: the extra filters and input channels are zero
/// constants, their outputs are discarded (gradient zero).
/// <para>Why: libtorch 2.10's CPU convolution (oneDNN AVX2/AVX-512 kernels) gives wrong results for
/// 3×3 convolutions with some channel counts on this project's AMD EPYC (AVX-512) machines. Measured
/// against float64 convolution (batch 2–16, 16×16–32×32): (1) NaN input gradients, sporadically (1–3
/// in 12), for out-channels not a multiple of 16 ({1, 2, 4, 6, 8, 12, 20, 24}); (2) outputs off by
/// 15–30 % (and sporadic NaN, also without grad) for in-channels above 16 that are not multiples of 16
/// ({24, 40}); (3) input gradients off by 6–26 %, every time, for stride-2 convs whose in-channels are
/// odd multiples of 16 above 16 ({48, 80, 112, 144}). In-channels ≤ 16 or multiples of 32, out-channels
/// that are multiples of 16, and 1×1 kernels were right in every case. So in-channels above 16 are
/// padded to a multiple of 32, out-channels (when gradients are recorded) to a multiple of 16.
/// The heads' predictor convs (K classes, 4 distances, 1 alignment logit, 8 offsets, centerness) hit
/// (1) in every preset; custom widths (FPN 96 → a 24-channel branch; backbone width 24) hit (2) and
/// (3), which is why every k×k conv of the model goes through here. The presets' other convs need no
/// padding; where it applies it costs &lt; 1 % of a step.</para>
/// Only on CPU: CUDA (cuDNN) does not need it.</para>
/// The module itself is unchanged (keys <c>weight</c>/<c>bias</c> keep their shapes), so checkpoints,
/// the ONNX export and MMDetection weights are unaffected.
/// </summary>
public static class ChannelPaddedConv
{
    /// <summary>Largest oneDNN f32 channel block on x64 (AVX-512); a multiple of AVX2's 8.</summary>
    public const int Block = 16;

    public static Tensor Forward(Conv2d conv, Tensor x)
    {
        var weight = conv.weight!;
        long oc = weight.shape[0], ic = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3];
        if (conv.groups != 1 || !NeedsPadding(x, ic, oc, Math.Max(kh, kw))) return conv.forward(x);

        using var scope = torch.NewDisposeScope();
        long icPad = PadsInput(ic) ? RoundUp(ic, 2 * Block) - ic : 0;
        long ocPad = PadsOutput(oc) && torch.is_grad_enabled() ? RoundUp(oc, Block) - oc : 0;
        Tensor w = weight;
        if (icPad > 0)
        {
            w = torch.cat([w, w.new_zeros(oc, icPad, kh, kw)], 1);
            x = torch.cat([x, x.new_zeros(x.shape[0], icPad, x.shape[2], x.shape[3])], 1);
        }
        if (ocPad > 0) w = torch.cat([w, w.new_zeros(ocPad, w.shape[1], kh, kw)], 0);
        Tensor? b = conv.bias is { } bias && ocPad > 0 ? torch.cat([bias, bias.new_zeros(ocPad)], 0) : conv.bias;
        var y = nn.functional.conv2d(x, w, b, strides: conv.stride, padding: conv.padding, dilation: conv.dilation);
        return (ocPad > 0 ? y.narrow(1, 0, oc) : y).MoveToOuterDisposeScope();
    }

    /// <summary>True where a oneDNN defect can strike: CPU, k &gt; 1, and in-channels of an affected kind
    /// (forward too, so also in inference) or, with gradients recorded, out-channels of the affected kind.</summary>
    public static bool NeedsPadding(Tensor x, long inChannels, long outChannels, long kernel) =>
        x.device_type == DeviceType.CPU && kernel > 1 && (PadsInput(inChannels) || (PadsOutput(outChannels) && torch.is_grad_enabled()));

    private static bool PadsOutput(long oc) => oc % Block != 0;
    private static bool PadsInput(long ic) => ic > Block && ic % (2 * Block) != 0;
    private static long RoundUp(long c, long multiple) => (c + multiple - 1) / multiple * multiple;
}
