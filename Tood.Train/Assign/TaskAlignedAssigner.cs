using Tood.Train.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Assign;

/// <summary>
/// Task-aligned assigner, TAL (spec §4.2; official fcjian/TOOD and mmdet behaviour, not the
/// Paddle/Ultralytics variants — spec §8, P10, P11). One image per call, fully batched over
/// anchors and gts.
/// </summary>
public sealed class TaskAlignedAssigner
{
    /// <param name="topk">Candidates per gt over all levels jointly (spec: 13).</param>
    /// <param name="alpha">Exponent of the class score in t = s^α·u^β (spec: 1).</param>
    /// <param name="beta">Exponent of the IoU (spec: 6).</param>
    public TaskAlignedAssigner(int topk = 13, double alpha = 1.0, double beta = 6.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topk, 1);
        TopK = topk;
        Alpha = alpha;
        Beta = beta;
    }

    public int TopK { get; }
    public double Alpha { get; }
    public double Beta { get; }

    /// <summary>Normalisation epsilon of t̂ (official 10e-8 = 1e-7).</summary>
    public const double NormEps = 1e-7;

    /// <summary>
    /// Assigns the anchors of one image. Inputs are detached internally.
    /// </summary>
    /// <param name="scores">[A,K] aligned class probabilities.</param>
    /// <param name="predBoxes">[A,4] predicted boxes in pixels.</param>
    /// <param name="anchorPoints">[A,2] anchor centres (j·s, i·s) in pixels.</param>
    /// <param name="gtBoxes">[G,4] gt boxes in pixels (G may be 0).</param>
    /// <param name="gtLabels">[G] gt classes 0..K−1.</param>
    /// <param name="validMask">Optional [A] bool: false for padded anchors (never positive, label weight 0).</param>
    public AssignResult Assign(Tensor scores, Tensor predBoxes, Tensor anchorPoints,
        Tensor gtBoxes, Tensor gtLabels, Tensor? validMask = null)
    {
        Shapes.Require(scores, "scores", nameof(scores), "A", "K");
        long numAnchors = scores.shape[0];
        int numClasses = (int)scores.shape[1];
        CheckCommon(numAnchors, predBoxes, anchorPoints, gtBoxes, gtLabels, validMask);
        var device = scores.device;
        long numGts = gtBoxes.shape[0];
        if (numGts == 0 || numAnchors == 0)
            return AssignResult.AllNegative(numClasses, numAnchors, device, validMask);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var pts = anchorPoints.detach().to_type(ScalarType.Float32);
        var gb = gtBoxes.detach().to_type(ScalarType.Float32);
        var gl = gtLabels.detach().to_type(ScalarType.Int64);
        var (t, u, sg) = Metric(scores, predBoxes, gb, gl);                    // [A,G] each
        var valid = validMask?.to_type(ScalarType.Bool);
        // Invalid anchors rank below every valid one (t ≥ 0) and fail t > 0, which equals
        // running on the valid subset only.
        var tRank = valid is null ? t : t.where(valid.unsqueeze(1), full_like(t, -1.0));

        // step 4: top-k over all levels jointly, per gt (P10: before the inside test).
        int k = (int)Math.Min(TopK, numAnchors);
        var (_, candIdx) = tRank.topk(k, dim: 0);                              // [k,G]
        var candidate = zeros_like(t, dtype: ScalarType.Bool)
            .scatter_(0, candIdx, ones_like(candIdx, dtype: ScalarType.Bool));

        // step 5: positive iff candidate, t > 0 and centre strictly inside the gt.
        var inside = BoxOps.PointsInsideBoxes(pts, gb);
        var pos = candidate.logical_and(tRank.gt(0)).logical_and(inside);     // [A,G]
        if (GuardStarvedGts) (pos, t) = FeedStarvedGts(pos, t, tRank, sg, u, inside, k);

        // step 6: conflicts → gt with the highest IoU among those it is positive for (P11).
        var uMasked = u.where(pos, full_like(u, double.NegativeInfinity));
        var (_, best) = uMasked.max(1);                                        // [A]
        var positive = pos.any(1);
        var chosen = nn.functional.one_hot(best, numGts).to_type(ScalarType.Bool)
            .logical_and(positive.unsqueeze(1));                              // [A,G] final P_g

        // steps 7-8: t̂_i = t_i / (max_{P_g} t + 1e-7) · max_{P_g} u.
        var tAssigned = t.gather(1, best.unsqueeze(1)).squeeze(1);            // [A]
        var uAssigned = u.gather(1, best.unsqueeze(1)).squeeze(1);
        var zero = zeros_like(t);
        var maxT = t.where(chosen, zero).amax(new long[] { 0 });               // [G]
        var maxU = u.where(chosen, zero).amax(new long[] { 0 });
        var tHat = tAssigned / (maxT.index_select(0, best) + NormEps) * maxU.index_select(0, best);

        var labelWeights = valid ?? ones(numAnchors, dtype: ScalarType.Bool, device: device);
        return AssignResult.FromAssignment(numClasses, pts, positive, best, gb, gl, tHat, uAssigned, labelWeights);
    }

    /// <summary>
    /// Steps 1-3 for one image, without gradients: u = IoU(pred, gt) (P1 clamp), s_g = S[:, label_g] and the alignment
    /// t = s_g^α·u^β, each [A,G] float32. The trainer's warm-up hand-over (<c>Handover</c>) measures the same t.
    /// </summary>
    internal (Tensor T, Tensor U, Tensor ScoreAtGt) Metric(Tensor scores, Tensor predBoxes, Tensor gtBoxes, Tensor gtLabels)
    {
        using var noGrad = no_grad();
        var u = BoxOps.PairwiseIoU(predBoxes.detach().to_type(ScalarType.Float32), gtBoxes.detach().to_type(ScalarType.Float32));
        var sg = scores.detach().to_type(ScalarType.Float32).index_select(1, gtLabels.to_type(ScalarType.Int64));
        return (sg.pow(Alpha) * u.pow(Beta), u, sg);
    }

    /// <summary>
    /// Whether a gt that step 5 leaves without any positive gets the top-k of its own inside anchors instead
    /// (<see cref="FeedStarvedGts"/>). On by default; off gives mmdet's assigner exactly.
    /// </summary>
    public bool GuardStarvedGts { get; init; } = true;

    /// <summary>Class-score floor of the starved-gt fallback: t = max(s, floor)^α·u^β, so an underflowed score
    /// (s = 0 in fp32) cannot leave a gt without positives while its predicted boxes still overlap it.</summary>
    public const double StarvedScoreFloor = 1e-12;

    /// <summary>
    /// Issue 21: mmdet ranks the top-k over all anchors before the inside test (spec P10), so a gt whose k best t
    /// lie outside it (early in training, a small gt beside confident neighbours; or every score underflowed to 0)
    /// gets no positive at all. With few gts per batch that is the collapse measured on 8 real photos: positives
    /// 117 → 46 → 2 → 0 within four TAL steps, then only negatives, every score driven to 0 and no way back (t = 0
    /// everywhere). Such a gt — and only such a gt — takes its candidates from the anchors inside it, ranked by
    /// the same t with the score floored. Every gt that mmdet's rule feeds keeps exactly mmdet's positives.
    /// </summary>
    private (Tensor Pos, Tensor T) FeedStarvedGts(Tensor pos, Tensor t, Tensor tRank, Tensor sg, Tensor u, Tensor inside, int k)
    {
        var starved = pos.any(0).logical_not().unsqueeze(0);                   // [1,G]
        var floored = sg.clamp_min(StarvedScoreFloor).pow(Alpha) * u.pow(Beta);
        var tInside = floored.where(inside.logical_and(tRank.ge(0)), full_like(floored, -1.0));
        var (_, idx) = tInside.topk(k, dim: 0);
        var candidate = zeros_like(pos).scatter_(0, idx, ones_like(idx, dtype: ScalarType.Bool));
        var fed = candidate.logical_and(tInside.gt(0));
        // Steps 7-8 normalise t per gt, so a fed gt's t is first scaled to max 1: t̂ is then the same as from the
        // floored t, without the 1e-7 eps swamping a tiny floored t (0/0 from the underflowed scores).
        // A gt with no inside anchor (smaller than the stride) has no maximum to scale by: its column stays 0, never
        // inf — every anchor's t̂ is computed from the column of its best gt before the positives mask it, and an
        // inf there became NaN = inf·0 (a crash in the QFL's BCE, measured on 8 real photos).
        var colMax = tInside.amax(new long[] { 0 }, keepdim: true);
        var scaled = (floored / colMax.clamp_min(1e-30)).where(colMax.gt(0), zeros_like(floored)).clamp(0, 1);
        return (fed.where(starved, pos), scaled.where(starved, t));
    }

    internal static void CheckCommon(long numAnchors, Tensor? boxes, Tensor points, Tensor gtBoxes,
        Tensor gtLabels, Tensor? validMask)
    {
        if (boxes is not null) Shapes.Require(boxes, "boxes", nameof(boxes), numAnchors, 4);
        Shapes.Require(points, "anchor points", nameof(points), numAnchors, 2);
        Shapes.Require(gtBoxes, "gt boxes", nameof(gtBoxes), "G", 4);
        Shapes.Require(gtLabels, "gt labels", nameof(gtLabels), gtBoxes.shape[0]);
        if (validMask is not null) Shapes.Require(validMask, "valid mask", nameof(validMask), numAnchors);
    }
}
