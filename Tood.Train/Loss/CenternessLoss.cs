using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// Centerness-branch loss of the parallel (ATSS-style) baseline head: BCE with logits
/// between the predicted centerness logit and the centerness of the anchor point w.r.t. its
/// assigned gt, over positives only (mmdet ATSSHead loss_centerness, loss weight 1).
/// </summary>
public sealed class CenternessLoss
{
    /// <summary>Σ_i w_i·BCE(logit_i, target_i) (avg_factor 1, the caller divides); w = 0 leaves an anchor out.</summary>
    public Tensor Sum(Tensor logits, Tensor target, Tensor? weight = null)
    {
        using var scope = NewDisposeScope();
        if (weight is null)
            return nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.Sum).MoveToOuterDisposeScope();
        var loss = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.None);
        return (loss * weight).sum().MoveToOuterDisposeScope();
    }
}
