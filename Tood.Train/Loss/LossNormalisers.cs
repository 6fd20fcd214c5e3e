using Tood.Train.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// The loss normalisers of a batch (spec §4.1, §4.3, §4.5), kept on the device so no step waits for
/// them. They are made of per-image sums, so <see cref="Sums"/> of micro-batches add up to the whole
/// batch's (spec P6: accumulation equals one large batch), and <see cref="Divisors"/> turns a batch's
/// sums into the three divisors with mmdet's floors (spec P12).
/// </summary>
public static class LossNormalisers
{
    /// <summary>Entries of the [4] sums tensor.</summary>
    public const int THatSum = 0, Positives = 1, PositivesFloored = 2, CenternessSum = 3, SumCount = 4;

    /// <summary>Entries of the [3] divisors tensor.</summary>
    public const int Cls = 0, Bbox = 1, Centerness = 2, DivisorCount = 3;

    /// <summary>
    /// [4] float32: Σ t̂ over all anchors (0 on negatives, so also Σ over positives), Σ_i n_i,
    /// Σ_i max(n_i, 1) (n_i = positives of image i) and Σ centerness over positives.
    /// </summary>
    public static Tensor Sums(BatchAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        using var scope = NewDisposeScope();
        var perImage = assignment.PositiveMask.to_type(ScalarType.Float32).sum(1);   // [B] n_i
        return stack(new[]
        {
            assignment.Weights.sum(),
            perImage.sum(),
            perImage.clamp_min(1).sum(),
            assignment.Centerness.sum(),
        }).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [3] float32 divisors (cls, bbox, centerness) for a batch with the given <see cref="Sums"/>:
    /// <list type="bullet">
    /// <item>TAL (spec §4.3): all three max(Σ t̂, 1). The centerness term of the parallel head is t̂-weighted
    /// in TAL mode (<see cref="ToodLoss"/>), so the whole loss has one divisor.</item>
    /// <item>ATSS warm-up, T-Head (mmdet TOODHead): cls max(Σ n_i, 1); bbox max(Σ centerness, 1).</item>
    /// <item>ATSS, parallel head (mmdet ATSSHead, <paramref name="hasCenterness"/>): cls and centerness
    /// Σ_i max(n_i, 1) — an image without positives still counts 1 —; bbox max(Σ centerness, 1).</item>
    /// </list>
    /// </summary>
    public static Tensor Divisors(AssignMode mode, Tensor sums, bool hasCenterness)
    {
        ArgumentNullException.ThrowIfNull(sums);
        Shapes.Require(sums, "normaliser sums", nameof(sums), SumCount);
        using var scope = NewDisposeScope();
        Tensor divisors;
        if (mode == AssignMode.TaskAligned)
        {
            divisors = sums[THatSum].clamp_min(1.0).expand(DivisorCount).clone();
        }
        else
        {
            var floored = sums[PositivesFloored];
            var cls = hasCenterness ? floored : sums[Positives].clamp_min(1.0);
            divisors = stack(new[] { cls, sums[CenternessSum].clamp_min(1.0), floored });
        }
        return divisors.MoveToOuterDisposeScope();
    }
}
