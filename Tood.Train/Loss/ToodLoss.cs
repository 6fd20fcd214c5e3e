using System.Diagnostics;
using Tood.Train.Assign;
using Tood.Train.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// The TOOD training criterion (spec §4): per-image assignment (ATSS in warm-up, TAL after),
/// then classification + GIoU (+ centerness) losses normalised by batch sums (spec §4.5:
/// one process over the whole batch equals the multi-GPU all-reduced mean), with mmdet's
/// divisor floor ≥ 1 (spec P12).
/// </summary>
public sealed class ToodLoss
{
    public ToodLoss(int numClasses, TaskAlignedAssigner? taskAligned = null, AtssAssigner? atss = null,
        double bboxLossWeight = 2.0, double centernessLossWeight = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        NumClasses = numClasses;
        TaskAligned = taskAligned ?? new TaskAlignedAssigner();
        Atss = atss ?? new AtssAssigner();
        BboxLossWeight = bboxLossWeight;
        CenternessLossWeight = centernessLossWeight;
    }

    public int NumClasses { get; }
    public TaskAlignedAssigner TaskAligned { get; }
    public AtssAssigner Atss { get; }
    public QualityFocalLoss Qfl { get; } = new();
    public FocalLoss Focal { get; } = new();
    public GIoULoss GIoU { get; } = new();
    public CenternessLoss CenternessBce { get; } = new();

    /// <summary>GIoU loss weight (spec §4.3: 2.0).</summary>
    public double BboxLossWeight { get; }

    public double CenternessLossWeight { get; }

    /// <summary>
    /// Epochs are 0-based; the first <paramref name="warmupEpochs"/> use ATSS (spec §4, P4):
    /// epoch 3 → Atss, epoch 4 → TaskAligned with the default 4.
    /// </summary>
    public static AssignMode ModeForEpoch(int epoch, int warmupEpochs = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupEpochs);
        return epoch < warmupEpochs ? AssignMode.Atss : AssignMode.TaskAligned;
    }

    /// <summary>Assignment + loss, normalised by this batch's own sums. <see cref="LossOutput.AssignTime"/> records the assignment's share.</summary>
    public LossOutput Forward(LossInputs inputs, IReadOnlyList<GtInstances> gts, AssignMode mode)
    {
        var sw = Stopwatch.StartNew();
        using var assignment = Assign(inputs, gts, mode);
        var assignTime = sw.Elapsed;
        return Compute(inputs, assignment, null, assignTime);
    }

    /// <summary>Runs the assigner on every image (no grad). Separately callable for benchmarks.</summary>
    public BatchAssignment Assign(LossInputs inputs, IReadOnlyList<GtInstances> gts, AssignMode mode)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(gts);
        var (batch, _) = CheckInputs(inputs);
        if (gts.Count != batch)
            throw new ArgumentException($"got {gts.Count} gt lists for a batch of {batch} images", nameof(gts));
        return mode == AssignMode.TaskAligned
            ? AssignEach(inputs.Scores.device, gts, inputs.ValidMask, mode, (b, points, _, gtBoxes, gtLabels, valid) =>
                TaskAligned.Assign(inputs.Scores[b], inputs.Boxes[b], points, gtBoxes, gtLabels, valid), inputs.AnchorPoints, inputs.Strides)
            : AssignWarmup(inputs.AnchorPoints, inputs.Strides, inputs.LevelCounts, gts, inputs.ValidMask);
    }

    /// <summary>
    /// ATSS assignment of a batch from its priors and gts alone (it needs no prediction), so a trainer can
    /// assign every micro-batch of an accumulated batch before the first forward and normalise them all by
    /// the whole batch's sums (spec §4.5, P6).
    /// </summary>
    /// <param name="validMask">Optional [B,A] bool (spec §3 valid flags).</param>
    public BatchAssignment AssignWarmup(Tensor anchorPoints, Tensor strides, IReadOnlyList<int> levelCounts,
        IReadOnlyList<GtInstances> gts, Tensor? validMask = null)
    {
        ArgumentNullException.ThrowIfNull(gts);
        if (validMask is not null) Shapes.Require(validMask, "valid mask", nameof(validMask), gts.Count, anchorPoints.shape[0]);
        return AssignEach(anchorPoints.device, gts, validMask, AssignMode.Atss, (_, points, str, gtBoxes, gtLabels, valid) =>
            Atss.Assign(points, str, levelCounts, gtBoxes, gtLabels, NumClasses, valid), anchorPoints, strides);
    }

    private delegate AssignResult ImageAssigner(int image, Tensor points, Tensor strides, Tensor gtBoxes, Tensor gtLabels, Tensor? valid);

    private static BatchAssignment AssignEach(Device device, IReadOnlyList<GtInstances> gts, Tensor? validMask, AssignMode mode,
        ImageAssigner assign, Tensor anchorPoints, Tensor strides)
    {
        using var noGrad = no_grad();
        using var priors = NewDisposeScope();
        var points = anchorPoints.to(device);
        var str = strides.to(device);
        var results = new List<AssignResult>(gts.Count);
        try
        {
            for (int b = 0; b < gts.Count; b++)
            {
                using var scope = NewDisposeScope();
                var valid = validMask?[b].to(device);
                var result = assign(b, points, str, gts[b].Boxes.to(device), gts[b].Labels.to(device), valid);
                results.Add(result.MoveToOuterDisposeScope());   // into `priors`
            }
            return new BatchAssignment(mode, results).MoveToOuterDisposeScope();   // out of `priors`
        }
        catch
        {
            foreach (var r in results)
                r.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Losses for a given assignment (spec §4.1 warm-up / §4.3 TAL), without a host synchronisation:
    /// every term is a masked sum over all anchors (no <c>nonzero</c>, no data-dependent shape).
    /// </summary>
    /// <param name="divisors">[3] (cls, bbox, centerness) from <see cref="LossNormalisers.Divisors"/>; null = this
    /// batch's own. A trainer passes the whole accumulated batch's divisors, or ones to get the un-normalised sums.</param>
    public LossOutput Compute(LossInputs inputs, BatchAssignment assignment, Tensor? divisors = null, TimeSpan assignTime = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(assignment);
        CheckInputs(inputs);
        using var scope = NewDisposeScope();
        bool tal = assignment.Mode == AssignMode.TaskAligned;
        var scores = inputs.Scores;
        var sums = LossNormalisers.Sums(assignment);
        var div = divisors ?? LossNormalisers.Divisors(assignment.Mode, sums, inputs.CenternessLogits is not null);
        Shapes.Require(div, "divisors", nameof(divisors), LossNormalisers.DivisorCount);
        div = div.to(scores.device).to_type(scores.dtype);
        var lw = assignment.LabelWeights.unsqueeze(-1);                           // [B,A,1]
        var posF = assignment.PositiveMask.to_type(ScalarType.Float32);           // [B,A]

        // Dense class targets [B,A,K]: t̂ (TAL) or 1 (warm-up) at the gt class, 0 elsewhere. One scatter
        // per anchor row; background rows (label K) write their 0 into column K−1, which changes nothing.
        var targetValue = tal ? assignment.Weights : posF;
        var column = assignment.Labels.clamp_max(NumClasses - 1).unsqueeze(-1);
        var target = zeros_like(scores).scatter_(-1, column, targetValue.unsqueeze(-1).to_type(scores.dtype));
        var clsSum = tal ? Qfl.Sum(scores, target, lw) : Focal.Sum(scores, target, lw);

        // Box term over all anchors with the per-anchor weight (t̂ or centerness; 0 on negatives, whose
        // zero target boxes still give a finite GIoU). Same sum as over the positives only.
        var boxWeights = (tal ? assignment.Weights : assignment.Centerness).flatten().to_type(inputs.Boxes.dtype);
        var bboxSum = GIoU.Sum(inputs.Boxes.reshape(-1, 4), assignment.BoxTargets.reshape(-1, 4).to_type(inputs.Boxes.dtype), boxWeights)
            * BboxLossWeight;

        Tensor? ctrSum = null;
        if (inputs.CenternessLogits is not null)
        {
            // BCE over positives: unweighted in warm-up (mmdet ATSSHead); t̂-weighted under TAL, like the
            // box term, so TAL has a single divisor Σ t̂ (exact accumulation with one gradient rescale).
            var logits = inputs.CenternessLogits.flatten();
            var ctrWeights = (tal ? assignment.Weights : posF).flatten().to_type(logits.dtype);
            ctrSum = CenternessBce.Sum(logits, assignment.Centerness.flatten().to_type(logits.dtype), ctrWeights) * CenternessLossWeight;
        }

        var cls = clsSum / div[LossNormalisers.Cls];
        var bbox = bboxSum / div[LossNormalisers.Bbox];
        var ctr = ctrSum is null ? null : ctrSum / div[LossNormalisers.Centerness];
        var total = ctr is null ? cls + bbox : cls + bbox + ctr;
        var terms = stack(new[] { cls, bbox, ctr ?? zeros_like(cls) }).detach();
        return new LossOutput(assignment.Mode,
            total.MoveToOuterDisposeScope(),
            terms.MoveToOuterDisposeScope(),
            ctr is not null,
            sums.MoveToOuterDisposeScope(),
            assignTime);
    }

    private (long Batch, long Anchors) CheckInputs(LossInputs inputs)
    {
        var s = inputs.Scores;
        Shapes.Require(s, "scores", nameof(inputs), "B", "A", NumClasses);
        long batch = s.shape[0], anchors = s.shape[1];
        Shapes.Require(inputs.Boxes, "boxes", nameof(inputs), batch, anchors, 4);
        Shapes.Require(inputs.AnchorPoints, "anchor points", nameof(inputs), anchors, 2);
        Shapes.Require(inputs.Strides, "strides", nameof(inputs), anchors);
        if (inputs.CenternessLogits is { } c && !Shapes.Matches(c, batch, anchors) && !Shapes.Matches(c, batch, anchors, 1))
            throw new ArgumentException($"centerness logits must be [{batch},{anchors}] or [{batch},{anchors},1], got {Shapes.Format(c)}", nameof(inputs));
        if (inputs.ValidMask is { } v) Shapes.Require(v, "valid mask", nameof(inputs), batch, anchors);
        return (batch, anchors);
    }
}
