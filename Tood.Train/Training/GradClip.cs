using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>
/// Global gradient-norm clipping computed on the device (TorchSharp's <c>clip_grad_norm_</c> returns the norm
/// as a double, i.e. one host synchronisation per step): g ← g·min(1, max_norm / (‖g‖₂ + 1e-6)), the same
/// rule as torch.nn.utils.clip_grad_norm_.
/// </summary>
public static class GradClip
{
    /// <summary>Clips in place; returns the total norm before clipping as a device scalar (the caller disposes it).</summary>
    public static Tensor ClipNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return tensor(0f).MoveToOuterDisposeScope();
        var total = stack(grads.Select(g => g.norm()).ToArray()).norm();
        var coef = (maxNorm / (total + 1e-6)).clamp_max(1.0);
        foreach (var g in grads) g.mul_(coef);
        return total.MoveToOuterDisposeScope();
    }
}
