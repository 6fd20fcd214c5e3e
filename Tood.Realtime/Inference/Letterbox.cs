namespace Tood.Realtime.Inference;

/// <summary>
/// Letterbox geometry shared by training and deployment: keep aspect ratio, scale so the image fits
/// the target, place it at the top-left (mmdet pads bottom/right, spec §5), pad the rest with the
/// BGR mean colour (which normalises to ≈0, like mmdet's zero padding after normalisation).
/// </summary>
public readonly record struct Letterbox(float Scale, int ResizedWidth, int ResizedHeight, int TargetWidth, int TargetHeight)
{
    /// <summary>Pad colour in BGR order (ImageNet mean, rounded).</summary>
    public static readonly (byte B, byte G, byte R) PadBgr = (104, 116, 124);

    public static Letterbox Compute(int srcWidth, int srcHeight, int targetWidth, int targetHeight)
    {
        if (srcWidth <= 0 || srcHeight <= 0) throw new ArgumentOutOfRangeException(nameof(srcWidth), "source size must be positive");
        float scale = Math.Min((float)targetWidth / srcWidth, (float)targetHeight / srcHeight);
        int w = Math.Clamp((int)MathF.Round(srcWidth * scale), 1, targetWidth);
        int h = Math.Clamp((int)MathF.Round(srcHeight * scale), 1, targetHeight);
        return new Letterbox(scale, w, h, targetWidth, targetHeight);
    }

    /// <summary>Maps a box from letterboxed pixels back to source pixels, clipped to the source image.</summary>
    public (float X1, float Y1, float X2, float Y2) ToSource(float x1, float y1, float x2, float y2, int srcWidth, int srcHeight)
    {
        float inv = 1f / Scale;
        return (Math.Clamp(x1 * inv, 0, srcWidth), Math.Clamp(y1 * inv, 0, srcHeight),
                Math.Clamp(x2 * inv, 0, srcWidth), Math.Clamp(y2 * inv, 0, srcHeight));
    }
}
