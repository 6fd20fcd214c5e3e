using OpenCvSharp;
using Tood.Realtime.Inference;

namespace Tood.Realtime.Preprocess;

/// <summary>
/// A letterbox destination over fixed (pinned) memory of one model input image, uint8 H×W×3 BGR.
/// The pad colour is filled only when the geometry changes; each frame then resizes (INTER_LINEAR) into
/// the top-left region (spec §5 / <see cref="Letterbox"/>), so the padding stays valid between frames.
/// Mat headers are cached: no per-frame allocation.
/// </summary>
public sealed class LetterboxTarget : IDisposable
{
    private readonly Mat _whole;
    private Mat? _roi;
    private Letterbox? _last;

    public int Width { get; }
    public int Height { get; }
    public int ByteLength => Width * Height * 3;

    /// <param name="pointer">start of Width·Height·3 bytes that stay at this address while the target lives (pinned).</param>
    public LetterboxTarget(nint pointer, int width, int height)
    {
        Width = width; Height = height;
        _whole = Mat.FromPixelData(height, width, MatType.CV_8UC3, pointer);
    }

    /// <summary>Letterboxes <paramref name="bgr"/> (8-bit, 3 channels) into the target; returns the geometry used.</summary>
    public Letterbox Write(Mat bgr)
    {
        if (bgr.Type() != MatType.CV_8UC3) throw new ArgumentException($"expected an 8-bit BGR image (CV_8UC3), got {bgr.Type()}", nameof(bgr));
        var lb = Letterbox.Compute(bgr.Width, bgr.Height, Width, Height);
        if (_last != lb)
        {
            _whole.SetTo(new Scalar(Letterbox.PadBgr.B, Letterbox.PadBgr.G, Letterbox.PadBgr.R));
            _roi?.Dispose();
            _roi = _whole[new Rect(0, 0, lb.ResizedWidth, lb.ResizedHeight)];
            _last = lb;
        }
        if (bgr.Width == lb.ResizedWidth && bgr.Height == lb.ResizedHeight) bgr.CopyTo(_roi!);
        else Cv2.Resize(bgr, _roi!, new Size(lb.ResizedWidth, lb.ResizedHeight), 0, 0, InterpolationFlags.Linear);
        return lb;
    }

    public void Dispose()
    {
        _roi?.Dispose();
        _whole.Dispose();
    }
}
