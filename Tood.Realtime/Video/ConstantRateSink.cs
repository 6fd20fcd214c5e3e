using OpenCvSharp;
using Tood.Realtime.Sinks;

namespace Tood.Realtime.Video;

/// <summary>
/// Live mode's annotated video at real speed. Live mode processes only some of the camera's frames, at
/// irregular times; an mp4 of just those at the camera's rate would play too fast. This writes a constant
/// <paramref name="fps"/> instead: frame slot k covers [k, k+1) / fps after the first processed frame's capture
/// time, and each processed frame is repeated until the slot of the next one (a paused-looking video while
/// the model works, like the window shows). Every processed frame is written at least once.
/// </summary>
internal sealed class ConstantRateSink(IFrameSink inner, double fps) : IFrameSink
{
    private readonly Mat _last = new();
    private ProcessedFrame _lastFrame;
    private double? _t0;
    private long _slots;

    /// <summary>Frames handed to the encoder, repeats included.</summary>
    public long FramesWritten => _slots;

    public void Write(in ProcessedFrame frame)
    {
        _t0 ??= frame.TimeSeconds;
        long slot = (long)Math.Round((frame.TimeSeconds - _t0.Value) * fps);
        if (_slots > 0)
            while (_slots < slot) { inner.Write(_lastFrame); _slots++; }
        inner.Write(frame);
        _slots++;
        frame.Image.CopyTo(_last); // the pipeline disposes the frame after the sinks
        _lastFrame = frame with { Image = _last };
    }

    public void Complete() => inner.Complete();

    public void Abort() => inner.Abort();

    public void Dispose()
    {
        inner.Dispose();
        _last.Dispose();
    }
}
