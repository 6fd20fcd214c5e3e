using Tood.Train.Assign;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// GIoU loss 1 − GIoU (spec §4.3) with width/height clamped ≥ 0 and union/enclosing area
/// clamped ≥ eps (spec P1), so inverted predictions give a loss in [1, 2] and finite gradients.
/// The loss weight (2.0 in TOOD) is applied by <see cref="ToodLoss"/>.
/// </summary>
public sealed class GIoULoss
{
    public GIoULoss(double eps = BoxOps.DefaultEps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eps);
        Eps = eps;
    }

    public double Eps { get; }

    /// <summary>Per-box loss [N] for aligned pred/target boxes [N,4].</summary>
    public Tensor Elementwise(Tensor pred, Tensor target)
    {
        using var scope = NewDisposeScope();
        return (1 - BoxOps.AlignedGIoU(pred, target, Eps)).MoveToOuterDisposeScope();
    }

    /// <summary>Σ_i w_i·(1 − GIoU_i) (avg_factor 1; the caller divides).</summary>
    public Tensor Sum(Tensor pred, Tensor target, Tensor? weight = null)
    {
        using var scope = NewDisposeScope();
        var loss = Elementwise(pred, target);
        if (weight is not null)
            loss = loss * weight;
        return loss.sum().MoveToOuterDisposeScope();
    }
}
