using OpenCvSharp;
using Tood.Realtime.Inference;

namespace Tood.Train.Data.Augment;

/// <summary>Pixel side of the training transform: resize (INTER_LINEAR), flip, crop/pad into the canvas
/// (pad BGR 104,116,124 like the runtime), then BGR→RGB, (v − mean)/std, CHW float.</summary>
public static class ImageTransform
{
    /// <summary>Renders <paramref name="src"/> (BGR, 8UC3) into a new Target×Target BGR canvas.</summary>
    public static Mat Render(Mat src, Placement p)
    {
        var pad = new Scalar(Letterbox.PadBgr.B, Letterbox.PadBgr.G, Letterbox.PadBgr.R);
        var canvas = new Mat(p.Target, p.Target, MatType.CV_8UC3, pad);
        using var resized = new Mat();
        if (src.Cols == p.ResizedWidth && src.Rows == p.ResizedHeight) src.CopyTo(resized);
        else Cv2.Resize(src, resized, new Size(p.ResizedWidth, p.ResizedHeight), 0, 0, InterpolationFlags.Linear);
        if (p.Flip) Cv2.Flip(resized, resized, FlipMode.Y);
        var roi = new Rect(p.CropX, p.CropY, p.VisibleWidth, p.VisibleHeight);
        using var srcRoi = new Mat(resized, roi);
        using var dstRoi = new Mat(canvas, new Rect(0, 0, roi.Width, roi.Height));
        srcRoi.CopyTo(dstRoi);
        return canvas;
    }

    /// <summary>Writes a BGR 8UC3 image as normalised RGB CHW floats into <paramref name="dst"/> (3·H·W).</summary>
    public static unsafe void ToNormalizedChw(Mat bgr, Span<float> dst, ReadOnlySpan<float> meanRgb, ReadOnlySpan<float> stdRgb)
    {
        if (bgr.Type() != MatType.CV_8UC3) throw new ArgumentException("expected an 8-bit BGR image", nameof(bgr));
        int h = bgr.Rows, w = bgr.Cols, plane = h * w;
        if (dst.Length < 3 * plane) throw new ArgumentException("destination too small", nameof(dst));
        float m0 = meanRgb[0], m1 = meanRgb[1], m2 = meanRgb[2];
        float s0 = 1f / stdRgb[0], s1 = 1f / stdRgb[1], s2 = 1f / stdRgb[2];
        var r = dst[..plane];
        var g = dst.Slice(plane, plane);
        var b = dst.Slice(2 * plane, plane);
        for (int y = 0; y < h; y++)
        {
            var row = new ReadOnlySpan<byte>((byte*)bgr.Ptr(y), w * 3);
            int o = y * w;
            for (int x = 0, k = 0; x < w; x++, k += 3)
            {
                b[o + x] = (row[k] - m2) * s2;
                g[o + x] = (row[k + 1] - m1) * s1;
                r[o + x] = (row[k + 2] - m0) * s0;
            }
        }
    }
}
