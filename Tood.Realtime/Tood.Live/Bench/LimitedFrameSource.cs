using OpenCvSharp;
using Tood.Realtime.Video;

namespace Tood.Live.Bench;

/// <summary>Reads at most <c>limit</c> frames of another source, so every bench mode sees the same frames.</summary>
internal sealed class LimitedFrameSource(IFrameSource inner, long limit) : IFrameSource
{
    private long _read;

    public string Description => inner.Description;
    public bool IsLive => false; // bench runs are always file mode: every frame processed
    public int Width => inner.Width;
    public int Height => inner.Height;
    public double Fps => inner.Fps;
    public long? FrameCount => inner.FrameCount is { } n ? Math.Min(n, limit) : limit;
    public string Backend => inner.Backend;

    public Mat? Read()
    {
        if (_read >= limit) return null;
        var m = inner.Read();
        if (m is not null) _read++;
        return m;
    }

    public bool Skip() => _read++ < limit && inner.Skip();

    public void Dispose() => inner.Dispose();
}
