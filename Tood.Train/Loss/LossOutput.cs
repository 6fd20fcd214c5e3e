using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// Result of <see cref="ToodLoss"/>: scalar tensors (Total carries the graph for backward)
/// and host-side statistics. Values for logging come from <see cref="ToValues"/>, which
/// synchronises with the device, so call it only when logging.
/// </summary>
public sealed class LossOutput : IDisposable
{
    internal LossOutput(AssignMode mode, Tensor total, Tensor cls, Tensor bbox, Tensor? centerness,
        long numPositives, Tensor weightSum, TimeSpan assignTime)
    {
        Mode = mode;
        Total = total;
        Cls = cls;
        Bbox = bbox;
        Centerness = centerness;
        NumPositives = numPositives;
        WeightSum = weightSum;
        AssignTime = assignTime;
    }

    public AssignMode Mode { get; }

    /// <summary>cls + bbox (+ centerness); call backward() on this.</summary>
    public Tensor Total { get; }

    /// <summary>Normalised classification loss (QFL in TAL, focal in warm-up).</summary>
    public Tensor Cls { get; }

    /// <summary>Normalised GIoU loss, already multiplied by its loss weight (2.0).</summary>
    public Tensor Bbox { get; }

    /// <summary>Normalised centerness BCE, only when the model has a centerness branch.</summary>
    public Tensor? Centerness { get; }

    /// <summary>Positives in the batch.</summary>
    public long NumPositives { get; }

    /// <summary>Σ of the box weights over positives (Σ t̂ in TAL, Σ centerness in warm-up), before the ≥ 1 floor.</summary>
    public Tensor WeightSum { get; }

    /// <summary>Wall time of the assignment step (device work may still be queued on CUDA unless the caller synchronises).</summary>
    public TimeSpan AssignTime { get; }

    public LossValues ToValues() => new(
        Total.item<float>(), Cls.item<float>(), Bbox.item<float>(),
        Centerness?.item<float>(), NumPositives, WeightSum.item<float>());

    public void Dispose()
    {
        Total.Dispose();
        Cls.Dispose();
        Bbox.Dispose();
        Centerness?.Dispose();
        WeightSum.Dispose();
    }
}

/// <summary>Host copies of a <see cref="LossOutput"/> for logging.</summary>
public readonly record struct LossValues(
    double Total, double Cls, double Bbox, double? Centerness, long NumPositives, double WeightSum);
