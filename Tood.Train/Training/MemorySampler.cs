namespace Tood.Train.Training;

/// <summary>
/// Memory high-water marks of a benchmark's measured phase: after <see cref="StartMeasured"/> (called once the
/// warm-up step is done) it resets the process RSS high-water mark and samples glibc malloc's figures every
/// 25 ms on a background thread (they have no high-water mark of their own). Values in MB, null where the
/// platform does not provide them (<see cref="ProcessMemory"/>).
/// </summary>
public sealed class MemorySampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private long? _peakBeforeReset;
    private bool _reset;
    private long _inUseMax, _heldMax;

    /// <summary>Resets the RSS high-water mark and starts sampling; later calls do nothing.</summary>
    public void StartMeasured()
    {
        if (_thread is not null) return;
        _peakBeforeReset = ProcessMemory.PeakRss();
        _reset = ProcessMemory.ResetPeak();
        _thread = new Thread(Sample) { IsBackground = true, Name = "tood-memory-sampler" };
        _thread.Start();
    }

    /// <summary>Stops sampling; keys as <see cref="TrainBenchReport.MemoryKeys"/>.</summary>
    public IReadOnlyDictionary<string, double?> Stop()
    {
        _stop.Cancel();
        _thread?.Join();
        Observe();
        long? peakNow = ProcessMemory.PeakRss();
        long? whole = _peakBeforeReset is { } before && peakNow is { } now ? Math.Max(before, now) : peakNow;
        const double mb = 1024 * 1024;
        return new Dictionary<string, double?>
        {
            ["peak_rss"] = whole / mb,
            ["peak_rss_steps"] = _reset ? peakNow / mb : null,
            ["malloc_in_use_peak"] = _inUseMax > 0 ? _inUseMax / mb : null,
            ["malloc_held_peak"] = _heldMax > 0 ? _heldMax / mb : null,
        };
    }

    private void Sample()
    {
        while (!_stop.Token.WaitHandle.WaitOne(25)) Observe();
    }

    private void Observe()
    {
        if (ProcessMemory.Malloc() is not { } m) return;
        lock (_stop)
        {
            _inUseMax = Math.Max(_inUseMax, m.InUse);
            _heldMax = Math.Max(_heldMax, m.Held);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join();
        _stop.Dispose();
    }
}
