using Tood.Realtime.Inference;

namespace Tood.Train.Data.Augment;

/// <summary>
/// Where a source image lands in its canvas: resized to (ResizedWidth, ResizedHeight) with per-axis scales
/// (ScaleX, ScaleY), optionally mirrored, then the window starting at (CropX, CropY) is copied to the top-left
/// of the CanvasWidth×CanvasHeight canvas (the rest is padding). Without augmentation this is exactly the
/// <see cref="Letterbox"/> of the size spec (<see cref="ImageSizeSpec.Fit"/>), so CropX = CropY = 0.
/// A batch's tensor may be larger than an image's canvas (keep-ratio batches pad to their largest image).
/// </summary>
public readonly record struct Placement(float ScaleX, float ScaleY, int ResizedWidth, int ResizedHeight, int CropX, int CropY, bool Flip, int CanvasWidth, int CanvasHeight)
{
    public static Placement Plan(int srcWidth, int srcHeight, ImageSizeSpec size, AugmentParams p)
    {
        if (size.KeepRatio)
        {
            // Scale jitter = mmdet's Resize(ratio_range): the scale (W·r, H·r) truncated to ints, then keep-ratio.
            var spec = p.ScaleJitter == 1f ? size
                : ImageSizeSpec.KeepRatioScale((int)(size.Width * (double)p.ScaleJitter), (int)(size.Height * (double)p.ScaleJitter));
            return From(spec.Fit(srcWidth, srcHeight), p.Flip);
        }
        int target = size.Width;
        var lb = size.Fit(srcWidth, srcHeight);
        if (p.ScaleJitter == 1f) return From(lb, p.Flip);
        // Square: jitter the letterbox scale; a larger image is cropped at a random window, a smaller one sits top-left.
        float scale = lb.ScaleX * p.ScaleJitter;
        int w = Math.Max(1, (int)MathF.Round(srcWidth * scale)), h = Math.Max(1, (int)MathF.Round(srcHeight * scale));
        int cx = w > target ? (int)(p.CropX * (w - target + 1)) : 0;
        int cy = h > target ? (int)(p.CropY * (h - target + 1)) : 0;
        return new Placement(scale, scale, w, h, Math.Min(cx, Math.Max(0, w - target)), Math.Min(cy, Math.Max(0, h - target)), p.Flip, target, target);
    }

    private static Placement From(Letterbox lb, bool flip) =>
        new(lb.ScaleX, lb.ScaleY, lb.ResizedWidth, lb.ResizedHeight, 0, 0, flip, lb.TargetWidth, lb.TargetHeight);

    /// <summary>Width/height of the image content inside the canvas, in input pixels.</summary>
    public int VisibleWidth => Math.Min(ResizedWidth - CropX, CanvasWidth);
    public int VisibleHeight => Math.Min(ResizedHeight - CropY, CanvasHeight);

    /// <summary>The geometry for decoding predictions back to source pixels (no flip, no crop: evaluation).</summary>
    public Letterbox ToLetterbox() => Flip || CropX != 0 || CropY != 0
        ? throw new InvalidOperationException("an augmented placement (flip or crop) has no letterbox")
        : new Letterbox(ScaleX, ScaleY, ResizedWidth, ResizedHeight, CanvasWidth, CanvasHeight);

    /// <summary>Maps source boxes (x1,y1,x2,y2) to the canvas: scale per axis (float32, as mmdet's scale_factor),
    /// flip (x1' = W − x2, x2' = W − x1 with W the resized width, spec §5), crop, clip to the visible content.
    /// Only boxes left with no area (outside a crop) are dropped: tiny boxes were filtered at the original
    /// scale when the dataset was loaded, as mmdet does, and are kept however small they get here.</summary>
    public void MapBoxes(ReadOnlySpan<float> src, ReadOnlySpan<int> labels, List<float> boxesOut, List<int> labelsOut)
    {
        int vw = VisibleWidth, vh = VisibleHeight;
        for (int i = 0; i < labels.Length; i++)
        {
            float x1 = src[4 * i] * ScaleX, y1 = src[4 * i + 1] * ScaleY, x2 = src[4 * i + 2] * ScaleX, y2 = src[4 * i + 3] * ScaleY;
            if (Flip) (x1, x2) = (ResizedWidth - x2, ResizedWidth - x1);
            x1 = Math.Clamp(x1 - CropX, 0, vw); x2 = Math.Clamp(x2 - CropX, 0, vw);
            y1 = Math.Clamp(y1 - CropY, 0, vh); y2 = Math.Clamp(y2 - CropY, 0, vh);
            if (!(x2 > x1) || !(y2 > y1)) continue;
            boxesOut.AddRange([x1, y1, x2, y2]);
            labelsOut.Add(labels[i]);
        }
    }
}
