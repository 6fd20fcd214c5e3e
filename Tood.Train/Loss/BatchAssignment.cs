using Tood.Train.Assign;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// Per-image assignments of a batch stacked to [B,A,...] tensors (no autograd history).
/// Produced by <see cref="ToodLoss.Assign"/>; consumed by <see cref="ToodLoss.Compute"/>.
/// </summary>
public sealed class BatchAssignment : IDisposable
{
    internal BatchAssignment(AssignMode mode, IReadOnlyList<AssignResult> images)
    {
        Mode = mode;
        Images = images;
        using var scope = NewDisposeScope();
        Labels = stack(images.Select(r => r.Labels), 0).MoveToOuterDisposeScope();
        Weights = stack(images.Select(r => r.Weights), 0).MoveToOuterDisposeScope();
        BoxTargets = stack(images.Select(r => r.BoxTargets), 0).MoveToOuterDisposeScope();
        PositiveMask = stack(images.Select(r => r.PositiveMask), 0).MoveToOuterDisposeScope();
        Centerness = stack(images.Select(r => r.Centerness), 0).MoveToOuterDisposeScope();
        LabelWeights = stack(images.Select(r => r.LabelWeights), 0).MoveToOuterDisposeScope();
    }

    public AssignMode Mode { get; }

    /// <summary>The per-image results (owned; disposed with this object).</summary>
    public IReadOnlyList<AssignResult> Images { get; }

    /// <summary>[B,A] int64, K = background.</summary>
    public Tensor Labels { get; }

    /// <summary>[B,A] float: t̂ (TAL) or 1 (ATSS) for positives, 0 otherwise.</summary>
    public Tensor Weights { get; }

    /// <summary>[B,A,4] float gt boxes in pixels for positives.</summary>
    public Tensor BoxTargets { get; }

    /// <summary>[B,A] bool.</summary>
    public Tensor PositiveMask { get; }

    /// <summary>[B,A] float centerness targets for positives.</summary>
    public Tensor Centerness { get; }

    /// <summary>[B,A] float: 1 valid anchor, 0 padding.</summary>
    public Tensor LabelWeights { get; }

    /// <summary>Moves the stacked tensors and every per-image result one dispose scope out.</summary>
    public BatchAssignment MoveToOuterDisposeScope()
    {
        foreach (var r in Images)
            r.MoveToOuterDisposeScope();
        foreach (var t in Stacked)
            t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Takes the stacked tensors and every per-image result out of all dispose scopes (the caller disposes this object).</summary>
    public BatchAssignment DetachFromDisposeScope()
    {
        foreach (var r in Images)
            r.DetachFromDisposeScope();
        foreach (var t in Stacked)
            t.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        foreach (var r in Images)
            r.Dispose();
        foreach (var t in Stacked)
            t.Dispose();
    }

    private Tensor[] Stacked => [Labels, Weights, BoxTargets, PositiveMask, Centerness, LabelWeights];
}
