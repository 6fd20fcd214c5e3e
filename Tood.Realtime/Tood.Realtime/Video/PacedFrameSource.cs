using System.Diagnostics;
using OpenCvSharp;

namespace Tood.Realtime.Video;

/// <summary>
/// <c>--realtime</c>: a file replayed at its own frame rate as if it were a camera. Frame k is handed out at
/// k / fps seconds after the first (decoded ahead, then held until due), whether or not the pipeline keeps up,
/// so a model slower than the video makes the live pipeline drop frames exactly as with a camera.
/// </summary>
public sealed class PacedFrameSource : IFrameSource
{
    private readonly IFrameSource _inner;
    private readonly double _fps;
    private readonly ManualResetEventSlim _interrupted = new();
    private long _start, _next;

    /// <param name="inner">the file source (owned: disposed with this one).</param>
    /// <param name="fps">replay rate; default the file's own (30 when it does not say).</param>
    public PacedFrameSource(IFrameSource inner, double? fps = null)
    {
        _inner = inner;
        _fps = fps ?? inner.FrameRate;
        if (!(_fps > 0)) throw new ArgumentOutOfRangeException(nameof(fps), "replay rate must be > 0");
    }

    public string Description => _inner.Description;
    public string Backend => $"{_inner.Backend}, paced at {_fps:0.##} fps";
    public bool IsLive => true;
    public int Width => _inner.Width;
    public int Height => _inner.Height;
    public double Fps => _fps;
    public long? FrameCount => _inner.FrameCount;

    public Mat? Read()
    {
        var frame = _inner.Read();
        if (frame is null) return null;
        if (!WaitUntilDue()) { frame.Dispose(); return null; }
        return frame;
    }

    public bool Skip() => _inner.Skip() && WaitUntilDue();

    /// <summary>Sleeps until frame <c>_next</c> is due; false if interrupted meanwhile.</summary>
    private bool WaitUntilDue()
    {
        if (_next == 0) _start = Stopwatch.GetTimestamp();
        long due = _start + (long)(_next * Stopwatch.Frequency / _fps);
        _next++;
        for (long wait; (wait = due - Stopwatch.GetTimestamp()) > 0;)
        {
            // Whole milliseconds, rounded up: a frame is never handed out before it is due.
            int ms = (int)Math.Ceiling(wait * 1000.0 / Stopwatch.Frequency);
            if (_interrupted.Wait(ms)) return false;
        }
        return !_interrupted.IsSet;
    }

    public void Interrupt()
    {
        _interrupted.Set();
        _inner.Interrupt();
    }

    public void Dispose()
    {
        _inner.Dispose();
        _interrupted.Dispose();
    }
}
