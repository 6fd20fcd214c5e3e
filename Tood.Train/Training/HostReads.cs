using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>
/// The one way the training loop copies device values to the host, counted. Every such copy waits for all
/// queued device work (a host synchronisation, which stalls a GPU), so the loop keeps its statistics on
/// the device and reads them here only when it logs or ends an epoch; <see cref="Count"/> is what
/// <c>tood-train bench-train</c> reports per step and what the tests pin down.
/// </summary>
public sealed class HostReads
{
    private long _count;

    /// <summary>Host reads so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Copies a float tensor (any shape) to the host as a flat array: one synchronisation.</summary>
    public float[] Floats(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        Interlocked.Increment(ref _count);
        using var scope = NewDisposeScope();
        return t.detach().to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }
}
