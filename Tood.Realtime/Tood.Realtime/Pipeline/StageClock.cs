using System.Diagnostics;

namespace Tood.Realtime.Pipeline;

/// <summary>Accumulates busy time of one stage (summed over its concurrent runs, e.g. inference workers).</summary>
internal sealed class StageClock
{
    private long _ticks;
    public void Add(long startTimestamp) => Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - startTimestamp);
    public double MsPer(long frames) => frames == 0 ? 0 : _ticks * 1000.0 / Stopwatch.Frequency / frames;
}

/// <summary>Capture-to-render latency statistics over a fixed ring of the most recent frames (bounded memory).</summary>
internal sealed class LatencyStats
{
    private readonly double[] _ring = new double[4096];
    private long _count;
    private double _sum, _max;

    public void Add(double ms)
    {
        _ring[_count % _ring.Length] = ms;
        _count++; _sum += ms; _max = Math.Max(_max, ms);
    }

    public double Mean => _count == 0 ? 0 : _sum / _count;
    public double Max => _max;

    /// <summary>95th percentile of the most recent (up to 4096) frames.</summary>
    public double P95
    {
        get
        {
            int n = (int)Math.Min(_count, _ring.Length);
            if (n == 0) return 0;
            var copy = _ring.AsSpan(0, n).ToArray();
            Array.Sort(copy);
            return copy[Math.Min(n - 1, (int)Math.Ceiling(0.95 * n) - 1)];
        }
    }
}
