using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Export.Emitters;

/// <summary>Conv2d (optionally with an eval-mode BatchNorm folded into it).</summary>
internal static class ConvEmitter
{
    /// <summary>Square-kernel Conv with symmetric padding. <paramref name="weightName"/> names the initializers
    /// (<c>.weight</c>/<c>.bias</c> appended); reusing a name with identical weights shares them (shared head).</summary>
    public static string Conv(this OnnxGraphBuilder g, string x, string weightName, Tensor weight, Tensor? bias,
        long stride = 1, long padding = 0, long dilation = 1, long groups = 1, string? hint = null)
    {
        if (weight.dim() != 4) throw new ArgumentException($"{weightName}: conv weight must be 4-D, got {weight.dim()}-D");
        var inputs = new List<string> { x, g.Weight(weightName + ".weight", weight) };
        if (bias is not null) inputs.Add(g.Weight(weightName + ".bias", bias));
        long kh = weight.shape[2], kw = weight.shape[3];
        return g.Node("Conv", inputs, hint ?? weightName,
            OnnxAttr.Ints("dilations", dilation, dilation),
            OnnxAttr.Int("group", groups),
            OnnxAttr.Ints("kernel_shape", kh, kw),
            OnnxAttr.Ints("pads", padding, padding, padding, padding),
            OnnxAttr.Ints("strides", stride, stride));
    }

    /// <summary>
    /// Folds eval-mode BatchNorm into the preceding conv: with s = γ/√(var+ε),
    /// W' = W·s (per output channel), b' = β + (b − mean)·s. Computed in float64, returned as float32.
    /// </summary>
    public static (Tensor Weight, Tensor Bias) FoldBatchNorm(Tensor convWeight, Tensor? convBias,
        Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, double eps)
    {
        using var scope = torch.NewDisposeScope();
        var w = convWeight.detach().to(torch.CPU).to_type(float64);
        var s = gamma.detach().to(torch.CPU).to_type(float64) / (runningVar.detach().to(torch.CPU).to_type(float64) + eps).sqrt();
        var b = convBias is null ? zeros_like(s) : convBias.detach().to(torch.CPU).to_type(float64);
        var wf = (w * s.reshape(-1, 1, 1, 1)).to_type(float32);
        var bf = (beta.detach().to(torch.CPU).to_type(float64) + (b - runningMean.detach().to(torch.CPU).to_type(float64)) * s).to_type(float32);
        return (wf.MoveToOuterDisposeScope(), bf.MoveToOuterDisposeScope());
    }
}
