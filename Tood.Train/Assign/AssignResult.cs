using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Assign;

/// <summary>
/// Per-image assignment of A anchors (spec §4.1 / §4.2 targets). All tensors live on the
/// device of the assigner's inputs and carry no autograd history.
/// </summary>
public sealed class AssignResult : IDisposable
{
    internal AssignResult(int numClasses, Tensor labels, Tensor assignedGt, Tensor boxTargets,
        Tensor weights, Tensor positiveMask, Tensor centerness, Tensor overlaps, Tensor labelWeights)
    {
        NumClasses = numClasses;
        Labels = labels;
        AssignedGt = assignedGt;
        BoxTargets = boxTargets;
        Weights = weights;
        PositiveMask = positiveMask;
        Centerness = centerness;
        Overlaps = overlaps;
        LabelWeights = labelWeights;
    }

    /// <summary>K; background label value.</summary>
    public int NumClasses { get; }

    /// <summary>[A] int64: gt class for positives, K (background) otherwise.</summary>
    public Tensor Labels { get; }

    /// <summary>[A] int64: index into the image's gt list, −1 for negatives.</summary>
    public Tensor AssignedGt { get; }

    /// <summary>[A,4] float: assigned gt box in pixels for positives, zeros otherwise.</summary>
    public Tensor BoxTargets { get; }

    /// <summary>
    /// [A] float soft target / box weight: t̂ for TAL (spec §4.2 step 8), 1 for ATSS
    /// positives; 0 for negatives.
    /// </summary>
    public Tensor Weights { get; }

    /// <summary>[A] bool positive mask.</summary>
    public Tensor PositiveMask { get; }

    /// <summary>
    /// [A] float centerness of the anchor point w.r.t. its assigned gt (spec §4.1 box weight
    /// in warm-up; also the centerness-branch target), 0 for negatives. Filled by both assigners.
    /// </summary>
    public Tensor Centerness { get; }

    /// <summary>[A] float IoU with the assigned gt (anchor box for ATSS, predicted box for TAL), 0 for negatives.</summary>
    public Tensor Overlaps { get; }

    /// <summary>[A] float: 1 for valid (inside) anchors, 0 for padded/invalid ones (spec §3 valid flags, P12 mmdet choice).</summary>
    public Tensor LabelWeights { get; }

    /// <summary>Number of positives (synchronises with the device).</summary>
    public long CountPositives() => PositiveMask.sum().item<long>();

    /// <summary>Moves every tensor one dispose scope out (for callers that assign inside their own scope).</summary>
    public AssignResult MoveToOuterDisposeScope()
    {
        foreach (var t in All)
            t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Takes every tensor out of all dispose scopes (the caller disposes this object).</summary>
    public AssignResult DetachFromDisposeScope()
    {
        foreach (var t in All)
            t.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        foreach (var t in All)
            t.Dispose();
    }

    private Tensor[] All => [Labels, AssignedGt, BoxTargets, Weights, PositiveMask, Centerness, Overlaps, LabelWeights];

    /// <summary>
    /// Builds the result from the per-anchor decision (positive mask + chosen gt) so both
    /// assigners share one target layout. Runs inside the caller's dispose scope.
    /// </summary>
    internal static AssignResult FromAssignment(int numClasses, Tensor points, Tensor positive,
        Tensor bestGt, Tensor gtBoxes, Tensor gtLabels, Tensor weights, Tensor overlaps, Tensor labelWeights)
    {
        var safeGt = bestGt.where(positive, zeros_like(bestGt));
        var posF = positive.to_type(ScalarType.Float32);
        var labels = gtLabels.index_select(0, safeGt).where(positive, full_like(bestGt, numClasses));
        var assigned = bestGt.where(positive, full_like(bestGt, -1));
        var boxes = gtBoxes.index_select(0, safeGt).to_type(ScalarType.Float32) * posF.unsqueeze(1);
        var ctr = BoxOps.Centerness(points.to_type(ScalarType.Float32), boxes) * posF;
        return new AssignResult(numClasses,
            labels.MoveToOuterDisposeScope(),
            assigned.MoveToOuterDisposeScope(),
            boxes.MoveToOuterDisposeScope(),
            (weights.to_type(ScalarType.Float32) * posF).MoveToOuterDisposeScope(),
            positive.MoveToOuterDisposeScope(),
            ctr.MoveToOuterDisposeScope(),
            (overlaps.to_type(ScalarType.Float32) * posF).MoveToOuterDisposeScope(),
            labelWeights.to_type(ScalarType.Float32, copy: true).MoveToOuterDisposeScope());
    }

    /// <summary>All-negative result (image without gts, or no anchors), spec §4.2 step 9.</summary>
    internal static AssignResult AllNegative(int numClasses, long numAnchors, Device device, Tensor? valid)
    {
        using var scope = NewDisposeScope();
        var lw = valid is null
            ? ones(numAnchors, dtype: ScalarType.Float32, device: device)
            : valid.to_type(ScalarType.Float32, copy: true);
        return new AssignResult(numClasses,
            full(numAnchors, numClasses, dtype: ScalarType.Int64, device: device).MoveToOuterDisposeScope(),
            full(numAnchors, -1, dtype: ScalarType.Int64, device: device).MoveToOuterDisposeScope(),
            zeros(numAnchors, 4, dtype: ScalarType.Float32, device: device).MoveToOuterDisposeScope(),
            zeros(numAnchors, dtype: ScalarType.Float32, device: device).MoveToOuterDisposeScope(),
            zeros(numAnchors, dtype: ScalarType.Bool, device: device).MoveToOuterDisposeScope(),
            zeros(numAnchors, dtype: ScalarType.Float32, device: device).MoveToOuterDisposeScope(),
            zeros(numAnchors, dtype: ScalarType.Float32, device: device).MoveToOuterDisposeScope(),
            lw.MoveToOuterDisposeScope());
    }
}
