namespace Tood.Train.Training;

/// <summary>
/// Memory high-water marks of a benchmark's measured steps: <see cref="StartMeasured"/> (called once the warm-up
/// step is done) resets the process RSS high-water mark and starts sampling glibc malloc's figures and the
/// anonymous / file-backed split of the RSS every 25 ms on a background thread (they have no high-water mark of
/// their own); <see cref="EndMeasured"/> (after the last measured step, before the trainer's epoch-end checkpoint)
/// reads the high-water mark and the managed (.NET GC) heap's committed size as of the last collection (null before
/// the first one). Values in MB, null where the platform does not provide them (<see cref="ProcessMemory"/>).
/// Every figure is a maximum over reads, and a peak takes in every read of the figures below it: the kernel's VmHWM
/// can read lower than an earlier read (<see cref="ProcessMemory.Status"/>), so the steps' peak is the largest VmHWM
/// or VmRSS seen during them and the whole run's peak is at least the steps'. The relations a reader expects — RSS
/// parts ≤ the steps' peak ≤ the run's peak, malloc in use ≤ held — then hold by construction, not by the kernel's timing.
/// </summary>
public sealed class MemorySampler : IDisposable
{
    private const double Mb = 1024 * 1024;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private long? _peakBeforeReset, _peakSteps, _managed;
    private bool _reset, _ended;
    private long _inUseMax, _heldMax, _anonMax, _fileMax, _rssMax;

    /// <summary>Resets the RSS high-water mark and starts sampling; later calls do nothing.</summary>
    public void StartMeasured()
    {
        if (_thread is not null) return;
        _peakBeforeReset = ProcessMemory.PeakRss();
        _reset = ProcessMemory.ResetPeak();
        _thread = new Thread(Sample) { IsBackground = true, Name = "tood-memory-sampler" };
        _thread.Start();
    }

    /// <summary>Stops sampling and reads the measured steps' high-water marks; later calls do nothing.</summary>
    public void EndMeasured()
    {
        if (_ended) return;
        _ended = true;
        _stop.Cancel();
        _thread?.Join();
        Observe();
        // After the reset, every read of VmHWM or VmRSS lies within the measured steps (Observe folds both into _rssMax).
        _peakSteps = _reset && _rssMax > 0 ? _rssMax : null;
        // The GC's figures are those of its last collection: all zero before the first one (a short bench in a fresh
        // process), which is no size at all — reported as n/a, not as 0 MB.
        var gc = GC.GetGCMemoryInfo();
        _managed = gc.Index > 0 ? gc.TotalCommittedBytes : null;
    }

    /// <summary>The figures, keys as <see cref="TrainBenchReport.MemoryKeys"/>; peak_rss is the whole run's (checkpoint writing included).</summary>
    public IReadOnlyDictionary<string, double?> Report()
    {
        EndMeasured();
        long? whole = Max(Max(_peakBeforeReset, ProcessMemory.PeakRss()), _peakSteps);
        return new Dictionary<string, double?>
        {
            ["peak_rss"] = whole / Mb,
            ["peak_rss_steps"] = _peakSteps / Mb,
            ["rss_anon_peak"] = _anonMax > 0 ? _anonMax / Mb : null,
            ["rss_file_peak"] = _fileMax > 0 ? _fileMax / Mb : null,
            ["malloc_in_use_peak"] = _inUseMax > 0 ? _inUseMax / Mb : null,
            ["malloc_held_peak"] = _heldMax > 0 ? _heldMax / Mb : null,
            ["managed_committed"] = _managed / Mb,
        };
    }

    private void Sample()
    {
        while (!_stop.Token.WaitHandle.WaitOne(25)) Observe();
    }

    private static long? Max(long? a, long? b) => a is { } x && b is { } y ? Math.Max(x, y) : a ?? b;

    private void Observe()
    {
        var m = ProcessMemory.Malloc();
        var status = ProcessMemory.Status();
        lock (_stop)
        {
            if (m is { } malloc)
            {
                _inUseMax = Math.Max(_inUseMax, malloc.InUse);
                _heldMax = Math.Max(_heldMax, malloc.Held);
            }
            if (status is { } st)
            {
                _anonMax = Math.Max(_anonMax, st.Anon);
                _fileMax = Math.Max(_fileMax, st.File);
                _rssMax = Math.Max(_rssMax, Math.Max(st.Peak, st.Rss));
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join();
        _stop.Dispose();
    }
}
