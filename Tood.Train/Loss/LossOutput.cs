using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// Result of <see cref="ToodLoss"/>: the total to call backward() on, and detached device tensors for
/// logging. Nothing here has been copied to the host; <see cref="ToValues"/> does that (one
/// synchronisation), so a trainer calls it only when it logs.
/// </summary>
public sealed class LossOutput : IDisposable
{
    internal LossOutput(AssignMode mode, Tensor total, Tensor terms, bool hasCenterness, Tensor normaliserSums, TimeSpan assignTime)
    {
        Mode = mode;
        Total = total;
        Terms = terms;
        HasCenterness = hasCenterness;
        NormaliserSums = normaliserSums;
        AssignTime = assignTime;
    }

    public AssignMode Mode { get; }

    /// <summary>cls + bbox (+ centerness), each divided by its divisor; call backward() on this.</summary>
    public Tensor Total { get; }

    /// <summary>
    /// Detached [3]: the classification (QFL in TAL, focal in warm-up), box (GIoU × 2.0) and centerness (0 without
    /// the branch) terms of <see cref="Total"/>, as divided by the divisors used.
    /// </summary>
    public Tensor Terms { get; }

    /// <summary>Whether the model has a centerness branch (parallel head).</summary>
    public bool HasCenterness { get; }

    /// <summary>This batch's [4] <see cref="LossNormalisers.Sums"/> (Σ t̂, Σ n_i, Σ max(n_i,1), Σ centerness).</summary>
    public Tensor NormaliserSums { get; }

    /// <summary>Wall time of the assignment step (device work may still be queued on CUDA unless the caller synchronises).</summary>
    public TimeSpan AssignTime { get; }

    /// <summary>Host copies (one device synchronisation).</summary>
    public LossValues ToValues()
    {
        using var scope = NewDisposeScope();
        var v = cat(new[] { Terms, NormaliserSums }).cpu().data<float>().ToArray();
        return LossValues.From(v.AsSpan(0, 3), v.AsSpan(3), HasCenterness, Mode);
    }

    public void Dispose()
    {
        Total.Dispose();
        Terms.Dispose();
        NormaliserSums.Dispose();
    }
}

/// <summary>Host copies of a <see cref="LossOutput"/> for logging.</summary>
/// <param name="WeightSum">Σ of the box weights over positives (Σ t̂ in TAL, Σ centerness in warm-up), before the ≥ 1 floor.</param>
public readonly record struct LossValues(
    double Total, double Cls, double Bbox, double? Centerness, long NumPositives, double WeightSum)
{
    /// <summary>From the [3] terms and [4] normaliser sums read back from the device.</summary>
    public static LossValues From(ReadOnlySpan<float> terms, ReadOnlySpan<float> sums, bool hasCenterness, AssignMode mode) => new(
        terms[0] + terms[1] + terms[2], terms[0], terms[1], hasCenterness ? terms[2] : null,
        (long)Math.Round(sums[LossNormalisers.Positives]),
        mode == AssignMode.TaskAligned ? sums[LossNormalisers.THatSum] : sums[LossNormalisers.CenternessSum]);
}
