using Tood.Train.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Assign;

/// <summary>
/// ATSS assigner used during the warm-up epochs (spec §4.1, mmdet ATSSAssigner(topk=9)).
/// One image per call; batched over anchors and gts, with one small loop over FPN levels
/// for the per-level nearest-centre candidates.
/// </summary>
public sealed class AtssAssigner
{
    /// <param name="topk">Closest centres per level per gt (spec: 9).</param>
    /// <param name="anchorScale">Anchor side = anchorScale · stride (octave_base_scale 8, spec §3).</param>
    public AtssAssigner(int topk = 9, double anchorScale = 8.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topk, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(anchorScale, 0.0);
        TopK = topk;
        AnchorScale = anchorScale;
    }

    public int TopK { get; }
    public double AnchorScale { get; }

    /// <summary>Square anchor boxes of side anchorScale·s centred at the anchor points → [A,4] (spec §3).</summary>
    public Tensor AnchorBoxes(Tensor anchorPoints, Tensor strides)
    {
        using var scope = NewDisposeScope();
        var half = (strides.to_type(ScalarType.Float32) * (AnchorScale / 2)).unsqueeze(1);
        var p = anchorPoints.to_type(ScalarType.Float32);
        return cat(new[] { p - half, p + half }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Assigns the anchors of one image. Inputs are detached internally.
    /// </summary>
    /// <param name="anchorPoints">[A,2] anchor centres in pixels, levels concatenated P3→P7.</param>
    /// <param name="strides">[A] stride of each anchor's level.</param>
    /// <param name="levelCounts">Anchors per level, summing to A, in flatten order.</param>
    /// <param name="gtBoxes">[G,4] gt boxes in pixels (G may be 0).</param>
    /// <param name="gtLabels">[G] gt classes 0..K−1.</param>
    /// <param name="numClasses">K (background label).</param>
    /// <param name="validMask">Optional [A] bool: false for padded anchors (never candidates, label weight 0).</param>
    public AssignResult Assign(Tensor anchorPoints, Tensor strides, IReadOnlyList<int> levelCounts,
        Tensor gtBoxes, Tensor gtLabels, int numClasses, Tensor? validMask = null)
    {
        ArgumentNullException.ThrowIfNull(levelCounts);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        long numAnchors = anchorPoints.shape[0];
        Shapes.Require(strides, "strides", nameof(strides), numAnchors);
        if (levelCounts.Sum(c => (long)c) != numAnchors || levelCounts.Any(c => c < 0))
            throw new ArgumentException($"level counts [{string.Join(",", levelCounts)}] must sum to the {numAnchors} anchors", nameof(levelCounts));
        TaskAlignedAssigner.CheckCommon(numAnchors, null, anchorPoints, gtBoxes, gtLabels, validMask);
        var device = anchorPoints.device;
        long numGts = gtBoxes.shape[0];
        if (numGts == 0 || numAnchors == 0)
            return AssignResult.AllNegative(numClasses, numAnchors, device, validMask);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var pts = anchorPoints.detach().to_type(ScalarType.Float32);
        var boxes = AnchorBoxes(pts, strides.detach());
        var gb = gtBoxes.detach().to_type(ScalarType.Float32);
        var gl = gtLabels.detach().to_type(ScalarType.Int64);
        var valid = validMask?.to_type(ScalarType.Bool);

        // step 1: IoU(anchor boxes, gt) with the P1 clamp.
        var ious = BoxOps.PairwiseIoU(boxes, gb);                              // [A,G]
        var candIdx = Candidates(pts, gb, levelCounts, valid);                 // [C,G]
        var candIou = ious.gather(0, candIdx);
        // Invalid anchors sort last; they only become candidates when a level has fewer
        // than k valid anchors, and are then excluded from the statistics and positives.
        var candValid = valid is null
            ? ones_like(candIou, dtype: ScalarType.Bool)
            : valid.index_select(0, candIdx.flatten()).reshape(candIdx.shape);
        var cv = candValid.to_type(ScalarType.Float32);

        // step 3: thr = mean + unbiased std of the candidate IoUs (P13).
        var count = cv.sum(dim: 0);
        var mean = (candIou * cv).sum(dim: 0) / count.clamp_min(1);
        var variance = ((candIou - mean).square() * cv).sum(dim: 0) / (count - 1).clamp_min(1);
        var thr = mean + variance.sqrt();                                       // [G]

        // step 4: IoU ≥ thr and centre inside the gt (> 0.01 px).
        var candInside = BoxOps.PointsInsideBoxes(pts, gb).gather(0, candIdx);
        var candPos = candIou.ge(thr.unsqueeze(0)).logical_and(candInside).logical_and(candValid);
        var pos = zeros_like(ious, dtype: ScalarType.Bool).scatter_(0, candIdx, candPos);

        // step 5: conflicts → highest IoU.
        var (_, best) = ious.where(pos, full_like(ious, double.NegativeInfinity)).max(1);
        var positive = pos.any(1);
        var overlaps = ious.gather(1, best.unsqueeze(1)).squeeze(1);
        var labelWeights = valid ?? ones(numAnchors, dtype: ScalarType.Bool, device: device);
        return AssignResult.FromAssignment(numClasses, pts, positive, best, gb, gl,
            ones(numAnchors, dtype: ScalarType.Float32, device: device), overlaps, labelWeights);
    }

    /// <summary>
    /// Step 2: per level and gt, the indices of the min(k, n_level) anchors whose centres are closest to the gt
    /// centre → [C,G], levels stacked. Invalid anchors sort last (distance +∞).
    /// </summary>
    internal Tensor Candidates(Tensor anchorCentres, Tensor gtBoxes, IReadOnlyList<int> levelCounts, Tensor? valid)
    {
        using var scope = NewDisposeScope();
        var dist = CentreDistances(anchorCentres, BoxOps.Centers(gtBoxes));   // [A,G]
        if (valid is not null)
            dist = dist.where(valid.unsqueeze(1), full_like(dist, double.PositiveInfinity));
        var picks = new List<Tensor>(levelCounts.Count);
        long start = 0;
        foreach (int n in levelCounts)
        {
            if (n > 0)
            {
                var (_, idx) = dist.narrow(0, start, n).topk(Math.Min(TopK, n), dim: 0, largest: false);
                picks.Add(idx + start);
            }
            start += n;
        }
        return cat(picks, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [A,G] L2 distances between anchor centres [A,2] and gt centres [G,2], computed as mmdet's
    /// ATSSAssigner does: <c>(a − b).pow(2).sum(−1).sqrt()</c>. Not <c>cdist</c>: its default
    /// matrix-product form (‖a‖² + ‖b‖² − 2a·b, used for more than 25 rows) loses the low bits of
    /// nearly equal distances at 512 px and reorders the per-level top-k candidates.
    /// </summary>
    internal static Tensor CentreDistances(Tensor anchorCentres, Tensor gtCentres)
    {
        using var scope = NewDisposeScope();
        var diff = anchorCentres.unsqueeze(1) - gtCentres.unsqueeze(0);       // [A,G,2]
        return diff.pow(2).sum(-1).sqrt().MoveToOuterDisposeScope();
    }
}
