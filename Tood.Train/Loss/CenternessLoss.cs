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
    /// <summary>Summed BCE-with-logits over the given positives (logits [P], targets [P] in [0,1]).</summary>
    public Tensor Sum(Tensor logits, Tensor target)
    {
        using var scope = NewDisposeScope();
        return nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.Sum)
            .MoveToOuterDisposeScope();
    }
}
