using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// Runs a k×k (k &gt; 1) <see cref="Conv2d"/> with its output channels zero-padded to a multiple of
/// <see cref="Block"/>, then narrows the result back — the same function and the same gradients, since
/// the extra filters are constants and their outputs are discarded (their gradient is zero).
/// <para>Why: libtorch 2.10's CPU convolution (oneDNN, AVX2 and AVX-512 kernels) sporadically returns
/// NaN input gradients for 3×3 convolutions whose output-channel count is not a multiple of the ISA's
/// channel block (8 for AVX2, 16 for AVX-512): measured on this project's AMD EPYC machines with plain
/// conv2d + backward, 1–3 NaN dX in 12 repeats for OC ∈ {1, 2, 4, 6, 8, 12, 20, 24}, none for OC ∈ {16, 32,
/// 48, 80}, none for 1×1 kernels, and none in 80 repeats × 132 shapes once the output is padded to 16.
/// The head's predictor convs (K classes, 4 box distances, 1 alignment logit, 8 offsets, centerness)
/// are exactly such convs, so they all go through here; the padded filters cost &lt; 1 % of a step.
/// Only on CPU with gradients on: CUDA (cuDNN) and inference do not need it.</para>
/// The module itself is unchanged (keys <c>weight</c>/<c>bias</c> keep their shapes), so checkpoints,
/// the ONNX export and MMDetection weights are unaffected.
/// </summary>
public static class ChannelPaddedConv
{
    /// <summary>Largest oneDNN f32 channel block on x64 (AVX-512); a multiple of AVX2's 8.</summary>
    public const int Block = 16;

    /// <summary><paramref name="conv"/>(x) with "same" padding (k/2), stride 1, no groups — the only form the heads use.</summary>
    public static Tensor Forward(Conv2d conv, Tensor x)
    {
        var weight = conv.weight!;
        long oc = weight.shape[0], k = weight.shape[2];
        if (!NeedsPadding(x, oc, k)) return conv.forward(x);

        using var scope = torch.NewDisposeScope();
        long padded = (oc + Block - 1) / Block * Block;
        var w = torch.cat([weight, weight.new_zeros(padded - oc, weight.shape[1], k, weight.shape[3])], 0);
        var b = conv.bias is { } bias ? torch.cat([bias, bias.new_zeros(padded - oc)], 0) : null;
        var y = nn.functional.conv2d(x, w, b, padding: [k / 2, weight.shape[3] / 2]);
        return y.narrow(1, 0, oc).MoveToOuterDisposeScope();
    }

    /// <summary>True where the oneDNN defect can strike: CPU, gradients recorded, k &gt; 1, OC not a multiple of <see cref="Block"/>.</summary>
    public static bool NeedsPadding(Tensor x, long outChannels, long kernel) =>
        x.device_type == DeviceType.CPU && torch.is_grad_enabled() && kernel > 1 && outChannels % Block != 0;
}
