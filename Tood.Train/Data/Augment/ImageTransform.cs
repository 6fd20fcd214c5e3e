using OpenCvSharp;
using Tood.Realtime.Inference;

namespace Tood.Train.Data.Augment;

/// <summary>Pixel side of the data transform: resize (INTER_LINEAR), flip, crop to the visible content; then
/// BGR→RGB, (v − mean)/std, CHW float at the top-left of the batch canvas, the rest filled with the pad value.</summary>
public static class ImageTransform
{
    /// <summary>The visible content of <paramref name="src"/> (BGR, 8UC3) after resize, flip and crop:
    /// a new VisibleWidth×VisibleHeight image.</summary>
    public static Mat RenderContent(Mat src, Placement p)
    {
        var resized = new Mat();
        try
        {
            if (src.Cols == p.ResizedWidth && src.Rows == p.ResizedHeight) src.CopyTo(resized);
            else Cv2.Resize(src, resized, new Size(p.ResizedWidth, p.ResizedHeight), 0, 0, InterpolationFlags.Linear);
            if (p.Flip) Cv2.Flip(resized, resized, FlipMode.Y);
            if (p.CropX == 0 && p.CropY == 0 && p.VisibleWidth == p.ResizedWidth && p.VisibleHeight == p.ResizedHeight) return resized;
            using var roi = new Mat(resized, new Rect(p.CropX, p.CropY, p.VisibleWidth, p.VisibleHeight));
            var content = roi.Clone();
            resized.Dispose();
            return content;
        }
        catch
        {
            resized.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Normalised RGB value of padding: the square letterbox pads with <see cref="Letterbox.PadBgr"/> like the
    /// runtime (the same float expression as a pixel of that colour, so training sees what deployment sees);
    /// keep-ratio pads with exact zeros after normalisation, as mmdet's Pad does.
    /// </summary>
    public static float[] PadValue(bool keepRatio, ReadOnlySpan<float> meanRgb, ReadOnlySpan<float> stdRgb) => keepRatio ? [0f, 0f, 0f]
        : [(Letterbox.PadBgr.R - meanRgb[0]) * (1f / stdRgb[0]), (Letterbox.PadBgr.G - meanRgb[1]) * (1f / stdRgb[1]), (Letterbox.PadBgr.B - meanRgb[2]) * (1f / stdRgb[2])];

    /// <summary>Writes a BGR 8UC3 image as normalised RGB CHW floats at the top-left of a
    /// <paramref name="canvasWidth"/>×<paramref name="canvasHeight"/> destination (3·H·W floats; 0 = the image's
    /// own size) and fills the rest of each plane with <paramref name="padRgb"/>.</summary>
    public static unsafe void ToNormalizedChw(Mat bgr, Span<float> dst, ReadOnlySpan<float> meanRgb, ReadOnlySpan<float> stdRgb,
        int canvasWidth = 0, int canvasHeight = 0, ReadOnlySpan<float> padRgb = default)
    {
        if (bgr.Type() != MatType.CV_8UC3) throw new ArgumentException("expected an 8-bit BGR image", nameof(bgr));
        int h = bgr.Rows, w = bgr.Cols;
        int cw = canvasWidth == 0 ? w : canvasWidth, ch = canvasHeight == 0 ? h : canvasHeight, plane = cw * ch;
        if (cw < w || ch < h) throw new ArgumentException($"canvas {cw}x{ch} smaller than the image {w}x{h}");
        if (dst.Length < 3 * plane) throw new ArgumentException("destination too small", nameof(dst));
        float m0 = meanRgb[0], m1 = meanRgb[1], m2 = meanRgb[2];
        float s0 = 1f / stdRgb[0], s1 = 1f / stdRgb[1], s2 = 1f / stdRgb[2];
        var r = dst[..plane];
        var g = dst.Slice(plane, plane);
        var b = dst.Slice(2 * plane, plane);
        for (int y = 0; y < h; y++)
        {
            var row = new ReadOnlySpan<byte>((byte*)bgr.Ptr(y), w * 3);
            int o = y * cw;
            for (int x = 0, k = 0; x < w; x++, k += 3)
            {
                b[o + x] = (row[k] - m2) * s2;
                g[o + x] = (row[k + 1] - m1) * s1;
                r[o + x] = (row[k + 2] - m0) * s0;
            }
        }
        if (cw == w && ch == h) return;
        float p0 = padRgb.IsEmpty ? 0 : padRgb[0], p1 = padRgb.IsEmpty ? 0 : padRgb[1], p2 = padRgb.IsEmpty ? 0 : padRgb[2];
        for (int y = 0; y < ch; y++)
        {
            int from = y * cw + (y < h ? w : 0), len = (y + 1) * cw - from;
            r.Slice(from, len).Fill(p0);
            g.Slice(from, len).Fill(p1);
            b.Slice(from, len).Fill(p2);
        }
    }
}
