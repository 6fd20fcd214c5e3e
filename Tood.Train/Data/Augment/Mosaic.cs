using OpenCvSharp;
using Tood.Realtime.Inference;

namespace Tood.Train.Data.Augment;

/// <summary>
/// Four-image mosaic (YOLOv4/YOLOX's composition, simplified to one S×S canvas): a random centre in the middle half
/// of the canvas splits it into four quadrants, and each image — resized to its letterbox scale times a draw in
/// [<see cref="MinScale"/>, <see cref="MaxScale"/>], maybe mirrored — is placed with one corner at the centre and
/// cropped to its quadrant. Why: a 2-core CPU affords few steps, and a mosaic shows four images' objects per sample,
/// most of them smaller than in their own photo, where coco128 val2017's people are (AP_small ≈ 0.01 without it).
/// Not in the paper (spec §5 trains flip-only on full COCO).
/// </summary>
public static class Mosaic
{
    public const float MinScale = 0.5f, MaxScale = 1f;

    /// <summary>A clipped box is kept only if this share of its area stays visible: a sliver of a person labelled
    /// "person" teaches the wrong box.</summary>
    public const float MinVisibleArea = 0.25f;

    /// <summary>One source of the mosaic: a decoded BGR image and its boxes (x1,y1,x2,y2 in its pixels) and labels.</summary>
    public readonly record struct Tile(Mat Image, float[] Boxes, int[] Labels);

    /// <summary>The S×S mosaic of four tiles (BGR 8UC3, padding = <see cref="Letterbox.PadBgr"/>) and its boxes in canvas pixels.</summary>
    public static Mat Compose(IReadOnlyList<Tile> tiles, int size, Random rng, double flipProbability, List<float> boxesOut, List<int> labelsOut)
    {
        if (tiles.Count != 4) throw new ArgumentException("a mosaic has four tiles", nameof(tiles));
        int cx = (int)(size * (0.25 + 0.5 * rng.NextDouble())), cy = (int)(size * (0.25 + 0.5 * rng.NextDouble()));
        var canvas = new Mat(size, size, MatType.CV_8UC3, new Scalar(Letterbox.PadBgr.B, Letterbox.PadBgr.G, Letterbox.PadBgr.R));
        try
        {
            for (int k = 0; k < 4; k++)
            {
                var t = tiles[k];
                float scale = size / (float)Math.Max(t.Image.Cols, t.Image.Rows) * (MinScale + (MaxScale - MinScale) * (float)rng.NextDouble());
                bool flip = rng.NextDouble() < flipProbability;
                int w = Math.Max(1, (int)MathF.Round(t.Image.Cols * scale)), h = Math.Max(1, (int)MathF.Round(t.Image.Rows * scale));
                // Quadrant k: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right; the image's opposite corner sits at the centre.
                int x0 = k % 2 == 0 ? cx - w : cx, y0 = k < 2 ? cy - h : cy;
                var quadrant = new Rect(k % 2 == 0 ? 0 : cx, k < 2 ? 0 : cy, k % 2 == 0 ? cx : size - cx, k < 2 ? cy : size - cy);
                var dst = quadrant.Intersect(new Rect(x0, y0, w, h));
                if (dst.Width <= 0 || dst.Height <= 0) continue;
                // The tile's pixels through the loader's one resize → flip → crop (its window is the part inside the quadrant).
                var placement = new Placement(scale, scale, w, h, dst.X - x0, dst.Y - y0, flip, dst.Width, dst.Height);
                using (var content = ImageTransform.RenderContent(t.Image, placement))
                using (var to = new Mat(canvas, dst))
                    content.CopyTo(to);
                MapBoxes(t, scale, w, flip, x0, y0, dst, boxesOut, labelsOut);
            }
            return canvas;
        }
        catch
        {
            canvas.Dispose();
            throw;
        }
    }

    private static void MapBoxes(Tile t, float scale, int resizedWidth, bool flip, int x0, int y0, Rect dst, List<float> boxesOut, List<int> labelsOut)
    {
        for (int i = 0; i < t.Labels.Length; i++)
        {
            float x1 = t.Boxes[4 * i] * scale, y1 = t.Boxes[4 * i + 1] * scale, x2 = t.Boxes[4 * i + 2] * scale, y2 = t.Boxes[4 * i + 3] * scale;
            if (flip) (x1, x2) = (resizedWidth - x2, resizedWidth - x1);
            x1 += x0; x2 += x0; y1 += y0; y2 += y0;
            float area = (x2 - x1) * (y2 - y1);
            float cx1 = Math.Clamp(x1, dst.Left, dst.Right), cx2 = Math.Clamp(x2, dst.Left, dst.Right);
            float cy1 = Math.Clamp(y1, dst.Top, dst.Bottom), cy2 = Math.Clamp(y2, dst.Top, dst.Bottom);
            float visible = (cx2 - cx1) * (cy2 - cy1);
            if (!(cx2 - cx1 >= 1) || !(cy2 - cy1 >= 1) || !(visible >= MinVisibleArea * area)) continue;
            boxesOut.AddRange([cx1, cy1, cx2, cy2]);
            labelsOut.Add(t.Labels[i]);
        }
    }
}
