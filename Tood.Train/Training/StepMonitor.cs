using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>
/// An epoch's loss statistics and the non-finite-loss watch, kept on the training device so that the step
/// loop never waits for the device: <see cref="Read"/> copies everything to the host in one
/// synchronisation, which the trainer does once per logging interval and at the end of the epoch.
/// A non-finite loss is recorded with its iteration (the first one since the last read) and reported at
/// that read; a non-finite gradient makes the next iteration's loss non-finite, and the epoch-end read
/// also checks the parameters, so a poisoned model is never checkpointed.
/// </summary>
internal sealed class StepMonitor : IDisposable
{
    // _sums: Σ_groups (total, cls, bbox, ctr)·iterations, Σ positives.   _bad: (index into _contexts or −1, loss value).
    private readonly Tensor _sums, _bad;
    private readonly List<string> _contexts = [];
    private int _iterations;

    public StepMonitor(Device device)
    {
        _sums = zeros(5, dtype: ScalarType.Float32, device: device);
        _bad = tensor(new float[] { -1, 0 }, device: device);
    }

    /// <summary>Iterations added since the epoch began.</summary>
    public int Iterations => _iterations;

    /// <summary>Records one micro-batch's loss (device scalar) and, on the host, what to report if it is not finite.</summary>
    public void ObserveLoss(Tensor total, string context)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var value = total.detach().to_type(ScalarType.Float32).reshape(1);
        var first = isfinite(value).logical_not().logical_and(_bad[0].lt(0));
        var record = cat(new[] { full(1, _contexts.Count, dtype: ScalarType.Float32, device: _bad.device), value });
        _bad.copy_(where(first, record, _bad));
        _contexts.Add(context);
    }

    /// <summary>Adds one optimizer step's group: its normalised terms [3] (cls, bbox, ctr) and positives (scalar).</summary>
    public void AddGroup(Tensor terms, Tensor positives, int iterations)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var t = terms.detach().to_type(ScalarType.Float32);
        _sums.add_(cat(new[] { t.sum().reshape(1) * iterations, t * iterations, positives.detach().to_type(ScalarType.Float32).reshape(1) }));
        _iterations += iterations;
    }

    /// <summary>
    /// One host read of the running means (and of <paramref name="extraFlag"/>, a device bool scalar such as
    /// "all parameters finite"). Returns the first non-finite loss since the last read, if any.
    /// </summary>
    /// <param name="extraValues">More device values to bring back in the same read (<see cref="MonitorReading.Extra"/>).</param>
    public MonitorReading Read(HostReads reads, Tensor? extraFlag = null, Tensor? extraValues = null)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor> { _sums, _bad };
        if (extraFlag is not null) parts.Add(extraFlag.to_type(ScalarType.Float32).reshape(1).to(_sums.device));
        if (extraValues is not null) parts.Add(extraValues.to_type(ScalarType.Float32).flatten().to(_sums.device));
        var v = reads.Floats(cat(parts));
        int extraAt = extraFlag is null ? 7 : 8;
        double n = Math.Max(1, _iterations);
        int badIndex = (int)v[5];
        var reading = new MonitorReading(v[0] / n, v[1] / n, v[2] / n, v[3] / n, v[4] / n,
            badIndex >= 0 ? _contexts[badIndex] : null, v[6], extraFlag is null || v[7] != 0)
        {
            Extra = extraValues is null ? [] : v[extraAt..],
        };
        _contexts.Clear();
        return reading;
    }

    public void Dispose()
    {
        _sums.Dispose();
        _bad.Dispose();
    }
}

/// <summary>Host values of a <see cref="StepMonitor.Read"/>: per-iteration means of the epoch so far.</summary>
/// <param name="BadContext">Where the first non-finite loss since the previous read happened; null if none.</param>
/// <param name="ExtraFlag">The extra device flag passed to the read (true when none was passed).</param>
internal readonly record struct MonitorReading(
    double Total, double Cls, double Bbox, double Centerness, double Positives, string? BadContext, double BadValue, bool ExtraFlag)
{
    /// <summary>The extra values passed to the read, on the host.</summary>
    public float[] Extra { get; init; } = [];
}
