using OpenCvSharp;
using Tood.Realtime.Sinks;

namespace Tood.Realtime.Video;

/// <summary>
/// Live mode's annotated video at real speed. Live mode processes only some of the camera's frames, at irregular
/// times; an mp4 of just those at the camera's rate would play too fast. This writes a constant <paramref name="fps"/>:
/// slot k is k / fps after the first processed frame's capture time (rounded to the nearest slot), each processed
/// frame fills its slot and is repeated until the next one's, and a frame whose slot is already filled (frames
/// processed faster than <paramref name="fps"/>) is left out of the video — so it lasts exactly as long as the capture.
/// A constant rate, not per-frame timestamps: raw frames piped to ffmpeg carry no timestamps, and its wall-clock
/// stamping bunched the first frames together (they are read after its start-up).
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
        if (slot < _slots) return; // this slot is filled already
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
