using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// Quality focal loss on probabilities (spec §4.3, mmdet QualityFocalLoss(activated=True),
/// official TaskAlignedFocalLoss): |y − p|^β · BCE(p, y) per element. The BCE is libtorch's
/// binary_cross_entropy, which clamps ln p and ln(1−p) at −100 (spec P2), so p = 0 or 1 stays finite.
/// </summary>
public sealed class QualityFocalLoss
{
    public QualityFocalLoss(double beta = 2.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(beta);
        Beta = beta;
    }

    public double Beta { get; }

    /// <summary>Element-wise loss, same shape as <paramref name="prob"/>.</summary>
    /// <param name="prob">Probabilities in [0,1].</param>
    /// <param name="target">Soft targets in [0,1] (t̂ at the gt class of positives, 0 elsewhere).</param>
    public Tensor Elementwise(Tensor prob, Tensor target)
    {
        using var scope = NewDisposeScope();
        var bce = nn.functional.binary_cross_entropy(prob, target, reduction: nn.Reduction.None);
        return ((target - prob).abs().pow(Beta) * bce).MoveToOuterDisposeScope();
    }

    /// <summary>Summed loss (avg_factor 1, the caller divides), optionally weighted by a tensor broadcastable to prob.</summary>
    public Tensor Sum(Tensor prob, Tensor target, Tensor? weight = null)
    {
        using var scope = NewDisposeScope();
        var loss = Elementwise(prob, target);
        if (weight is not null)
            loss = loss * weight;
        return loss.sum().MoveToOuterDisposeScope();
    }
}
