using System.Diagnostics;
using Tood.Train.Assign;
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

    /// <summary>Assignment + loss. <see cref="LossOutput.AssignTime"/> records the assignment's share.</summary>
    public LossOutput Forward(LossInputs inputs, IReadOnlyList<GtInstances> gts, AssignMode mode)
    {
        var sw = Stopwatch.StartNew();
        using var assignment = Assign(inputs, gts, mode);
        var assignTime = sw.Elapsed;
        return Compute(inputs, assignment, assignTime);
    }

    /// <summary>Runs the assigner on every image (no grad). Separately callable for benchmarks.</summary>
    public BatchAssignment Assign(LossInputs inputs, IReadOnlyList<GtInstances> gts, AssignMode mode)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(gts);
        var (batch, _) = CheckInputs(inputs);
        if (gts.Count != batch)
            throw new ArgumentException($"got {gts.Count} gt lists for a batch of {batch} images", nameof(gts));

        using var noGrad = no_grad();
        using var priors = NewDisposeScope();
        var device = inputs.Scores.device;
        var points = inputs.AnchorPoints.to(device);
        var strides = inputs.Strides.to(device);
        var results = new List<AssignResult>((int)batch);
        try
        {
            for (int b = 0; b < batch; b++)
            {
                using var scope = NewDisposeScope();
                var valid = inputs.ValidMask?[b].to(device);
                var gtBoxes = gts[b].Boxes.to(device);
                var gtLabels = gts[b].Labels.to(device);
                var result = mode == AssignMode.TaskAligned
                    ? TaskAligned.Assign(inputs.Scores[b], inputs.Boxes[b], points, gtBoxes, gtLabels, valid)
                    : Atss.Assign(points, strides, inputs.LevelCounts, gtBoxes, gtLabels, NumClasses, valid);
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

    /// <summary>Losses for a given assignment (spec §4.1 warm-up / §4.3 TAL).</summary>
    public LossOutput Compute(LossInputs inputs, BatchAssignment assignment, TimeSpan assignTime = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(assignment);
        CheckInputs(inputs);
        using var scope = NewDisposeScope();
        bool tal = assignment.Mode == AssignMode.TaskAligned;
        var scores = inputs.Scores;
        var lw = assignment.LabelWeights.unsqueeze(-1);                           // [B,A,1]

        // Dense class targets [B,A,K]: t̂ (TAL) or 1 (warm-up) at the gt class, 0 elsewhere. One scatter
        // per anchor row; background rows (label K) write their 0 into column K−1, which changes nothing.
        var posIdx = assignment.PositiveMask.flatten().nonzero().squeeze(1);
        long numPos = posIdx.shape[0];
        var targetValue = tal
            ? assignment.Weights
            : assignment.PositiveMask.to_type(ScalarType.Float32);
        var column = assignment.Labels.clamp_max(NumClasses - 1).unsqueeze(-1);
        var target = zeros_like(scores).scatter_(-1, column, targetValue.unsqueeze(-1).to_type(scores.dtype));

        Tensor cls;
        if (tal)
        {
            // cls ÷ Σ t̂ over all anchors of the batch (negatives have t̂ = 0), floor 1.
            cls = Qfl.Sum(scores, target, lw) / assignment.Weights.sum().clamp_min(1.0);
        }
        else
        {
            // cls ÷ number of positives in the batch, floor 1.
            cls = Focal.Sum(scores, target, lw) / Math.Max(numPos, 1);
        }

        var boxWeights = (tal ? assignment.Weights : assignment.Centerness).flatten().index_select(0, posIdx);
        var weightSum = boxWeights.sum();
        var predPos = inputs.Boxes.reshape(-1, 4).index_select(0, posIdx);
        var targetPos = assignment.BoxTargets.reshape(-1, 4).index_select(0, posIdx).to_type(predPos.dtype);
        var bbox = GIoU.Sum(predPos, targetPos, boxWeights) / weightSum.clamp_min(1.0) * BboxLossWeight;
        if (numPos == 0)
            bbox = inputs.Boxes.sum() * 0.0;   // keep the graph connected (mmdet does the same)

        Tensor? ctr = null;
        if (inputs.CenternessLogits is not null)
        {
            var logitsPos = inputs.CenternessLogits.flatten().index_select(0, posIdx);
            var targetCtr = assignment.Centerness.flatten().index_select(0, posIdx).to_type(logitsPos.dtype);
            ctr = numPos == 0
                ? inputs.CenternessLogits.sum() * 0.0
                : CenternessBce.Sum(logitsPos, targetCtr) / numPos * CenternessLossWeight;
        }

        var total = ctr is null ? cls + bbox : cls + bbox + ctr;
        return new LossOutput(assignment.Mode,
            total.MoveToOuterDisposeScope(),
            cls.MoveToOuterDisposeScope(),
            bbox.MoveToOuterDisposeScope(),
            ctr?.MoveToOuterDisposeScope(),
            numPos,
            weightSum.detach().MoveToOuterDisposeScope(),
            assignTime);
    }

    private (long Batch, long Anchors) CheckInputs(LossInputs inputs)
    {
        var s = inputs.Scores;
        if (s.dim() != 3 || s.shape[2] != NumClasses)
            throw new ArgumentException($"scores must be [B,A,{NumClasses}], got [{string.Join(",", s.shape)}]", nameof(inputs));
        long batch = s.shape[0], anchors = s.shape[1];
        if (inputs.Boxes.dim() != 3 || inputs.Boxes.shape[0] != batch || inputs.Boxes.shape[1] != anchors || inputs.Boxes.shape[2] != 4)
            throw new ArgumentException($"boxes must be [{batch},{anchors},4], got [{string.Join(",", inputs.Boxes.shape)}]", nameof(inputs));
        if (inputs.AnchorPoints.dim() != 2 || inputs.AnchorPoints.shape[0] != anchors || inputs.AnchorPoints.shape[1] != 2)
            throw new ArgumentException($"anchor points must be [{anchors},2], got [{string.Join(",", inputs.AnchorPoints.shape)}]", nameof(inputs));
        if (inputs.Strides.dim() != 1 || inputs.Strides.shape[0] != anchors)
            throw new ArgumentException($"strides must be [{anchors}], got [{string.Join(",", inputs.Strides.shape)}]", nameof(inputs));
        if (inputs.CenternessLogits is { } c && (c.shape.Length is < 2 or > 3 || c.shape[0] != batch || c.shape[1] != anchors
                || (c.dim() == 3 && c.shape[2] != 1)))
            throw new ArgumentException($"centerness logits must be [{batch},{anchors}] or [{batch},{anchors},1], got [{string.Join(",", c.shape)}]", nameof(inputs));
        if (inputs.ValidMask is { } v && (v.dim() != 2 || v.shape[0] != batch || v.shape[1] != anchors))
            throw new ArgumentException($"valid mask must be [{batch},{anchors}], got [{string.Join(",", v.shape)}]", nameof(inputs));
        return (batch, anchors);
    }
}
