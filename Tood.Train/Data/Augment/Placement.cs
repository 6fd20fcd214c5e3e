using Tood.Realtime.Inference;

namespace Tood.Train.Data.Augment;

/// <summary>
/// Where a source image lands in the square training canvas: resized to (ResizedWidth, ResizedHeight)
/// with <see cref="Scale"/>, optionally mirrored, then the window starting at (CropX, CropY) is copied to the
/// top-left of the Target×Target canvas (the rest is pad colour). Without augmentation this is exactly
/// <see cref="Letterbox.Compute"/> (runtime geometry), so CropX = CropY = 0.
/// </summary>
public readonly record struct Placement(float Scale, int ResizedWidth, int ResizedHeight, int CropX, int CropY, bool Flip, int Target)
{
    public static Placement Plan(int srcWidth, int srcHeight, int target, AugmentParams p)
    {
        if (target <= 0 || target % 32 != 0) throw new ArgumentOutOfRangeException(nameof(target), $"image size must be a positive multiple of 32, got {target}");
        var lb = Letterbox.Compute(srcWidth, srcHeight, target, target);
        if (p.ScaleJitter == 1f) return new Placement(lb.Scale, lb.ResizedWidth, lb.ResizedHeight, 0, 0, p.Flip, target);
        float scale = lb.Scale * p.ScaleJitter;
        int w = Math.Max(1, (int)MathF.Round(srcWidth * scale)), h = Math.Max(1, (int)MathF.Round(srcHeight * scale));
        int cx = w > target ? (int)(p.CropX * (w - target + 1)) : 0;
        int cy = h > target ? (int)(p.CropY * (h - target + 1)) : 0;
        return new Placement(scale, w, h, Math.Min(cx, Math.Max(0, w - target)), Math.Min(cy, Math.Max(0, h - target)), p.Flip, target);
    }

    /// <summary>Visible width/height of the image content inside the canvas.</summary>
    public int VisibleWidth => Math.Min(ResizedWidth - CropX, Target);
    public int VisibleHeight => Math.Min(ResizedHeight - CropY, Target);

    /// <summary>Maps source boxes (x1,y1,x2,y2) to the canvas: scale, flip (x1' = W − x2, x2' = W − x1 with
    /// W the resized width, spec §5), crop, clip to the visible content; boxes under 1 px are dropped.</summary>
    public void MapBoxes(ReadOnlySpan<float> src, ReadOnlySpan<int> labels, List<float> boxesOut, List<int> labelsOut)
    {
        int vw = VisibleWidth, vh = VisibleHeight;
        for (int i = 0; i < labels.Length; i++)
        {
            float x1 = src[4 * i] * Scale, y1 = src[4 * i + 1] * Scale, x2 = src[4 * i + 2] * Scale, y2 = src[4 * i + 3] * Scale;
            if (Flip) (x1, x2) = (ResizedWidth - x2, ResizedWidth - x1);
            x1 = Math.Clamp(x1 - CropX, 0, vw); x2 = Math.Clamp(x2 - CropX, 0, vw);
            y1 = Math.Clamp(y1 - CropY, 0, vh); y2 = Math.Clamp(y2 - CropY, 0, vh);
            if (x2 - x1 < 1 || y2 - y1 < 1) continue;
            boxesOut.AddRange([x1, y1, x2, y2]);
            labelsOut.Add(labels[i]);
        }
    }
}
