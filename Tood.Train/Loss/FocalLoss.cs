using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// Sigmoid focal loss on probabilities, used in the warm-up epochs (spec §4.1,
/// official FocalLossWithProb / mmdet FocalLoss(activated=True)):
/// positive −α(1−p)^γ ln p, negative −(1−α)p^γ ln(1−p). Computed as BCE(p, y)·focal weight
/// with libtorch's −100 log clamp (spec P2: a collapsed p = 0 gives 0.25·100 = 25 per positive).
/// </summary>
public sealed class FocalLoss
{
    public FocalLoss(double alpha = 0.25, double gamma = 2.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(alpha);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alpha, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegative(gamma);
        Alpha = alpha;
        Gamma = gamma;
    }

    public double Alpha { get; }
    public double Gamma { get; }

    /// <summary>Element-wise loss for probabilities and (one-hot) targets of the same shape.</summary>
    public Tensor Elementwise(Tensor prob, Tensor target)
    {
        using var scope = NewDisposeScope();
        var pt = (1 - prob) * target + prob * (1 - target);
        var focalWeight = (Alpha * target + (1 - Alpha) * (1 - target)) * pt.pow(Gamma);
        var bce = nn.functional.binary_cross_entropy(prob, target, reduction: nn.Reduction.None);
        return (bce * focalWeight).MoveToOuterDisposeScope();
    }

    /// <summary>Summed loss (avg_factor 1), optionally weighted by a tensor broadcastable to prob.</summary>
    public Tensor Sum(Tensor prob, Tensor target, Tensor? weight = null)
    {
        using var scope = NewDisposeScope();
        var loss = Elementwise(prob, target);
        if (weight is not null)
            loss = loss * weight;
        return loss.sum().MoveToOuterDisposeScope();
    }
}
