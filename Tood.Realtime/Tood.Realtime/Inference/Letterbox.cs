namespace Tood.Realtime.Inference;

/// <summary>
/// Image placement shared by training, evaluation and deployment: keep the aspect ratio, resize to
/// (ResizedWidth, ResizedHeight), place at the top-left of a TargetWidth×TargetHeight canvas (mmdet pads
/// bottom/right, spec §5). <see cref="ScaleX"/>/<see cref="ScaleY"/> map source to input pixels per axis.
/// Two sizing rules: <see cref="Compute"/> (fit a fixed canvas, the deployment letterbox, padded with the
/// BGR mean colour, which normalises to ≈0) and <see cref="KeepRatio"/> (MMDetection's keep-ratio resize, whose
/// per-axis scale factors are resized/source, and a canvas padded to a divisor).
/// </summary>
public readonly record struct Letterbox(float ScaleX, float ScaleY, int ResizedWidth, int ResizedHeight, int TargetWidth, int TargetHeight)
{
    /// <summary>Pad colour in BGR order (ImageNet mean, rounded).</summary>
    public static readonly (byte B, byte G, byte R) PadBgr = (104, 116, 124);

    /// <summary>Fits the image into a fixed target with one scale = min(W/w, H/h) (deployment letterbox).</summary>
    public static Letterbox Compute(int srcWidth, int srcHeight, int targetWidth, int targetHeight)
    {
        if (srcWidth <= 0 || srcHeight <= 0) throw new ArgumentOutOfRangeException(nameof(srcWidth), "source size must be positive");
        float scale = Math.Min((float)targetWidth / srcWidth, (float)targetHeight / srcHeight);
        int w = Math.Clamp((int)MathF.Round(srcWidth * scale), 1, targetWidth);
        int h = Math.Clamp((int)MathF.Round(srcHeight * scale), 1, targetHeight);
        return new Letterbox(scale, scale, w, h, targetWidth, targetHeight);
    }

    /// <summary>
    /// MMDetection keep-ratio resize (mmcv <c>rescale_size</c> / <c>imrescale</c>, mmdet <c>Resize</c>): scale =
    /// min(longEdge/max(w,h), shortEdge/min(w,h)) in double precision, new size int(x·scale + 0.5), per-axis scale
    /// factors new/old as float32 (mmdet's scale_factor), canvas = new size rounded up to <paramref name="padDivisor"/>.
    /// </summary>
    public static Letterbox KeepRatio(int srcWidth, int srcHeight, int longEdge, int shortEdge, int padDivisor)
    {
        if (srcWidth <= 0 || srcHeight <= 0) throw new ArgumentOutOfRangeException(nameof(srcWidth), "source size must be positive");
        double scale = Math.Min((double)longEdge / Math.Max(srcWidth, srcHeight), (double)shortEdge / Math.Min(srcWidth, srcHeight));
        int w = Math.Max(1, (int)(srcWidth * scale + 0.5)), h = Math.Max(1, (int)(srcHeight * scale + 0.5));
        int pw = (w + padDivisor - 1) / padDivisor * padDivisor, ph = (h + padDivisor - 1) / padDivisor * padDivisor;
        return new Letterbox((float)((double)w / srcWidth), (float)((double)h / srcHeight), w, h, pw, ph);
    }

    /// <summary>Maps a box from input pixels back to source pixels (÷ scale per axis, mmdet's rescale),
    /// clipped to the source image unless <paramref name="clip"/> is false (mmdet evaluation does not clip).</summary>
    public (float X1, float Y1, float X2, float Y2) ToSource(float x1, float y1, float x2, float y2, int srcWidth, int srcHeight, bool clip = true)
    {
        (x1, y1, x2, y2) = (x1 / ScaleX, y1 / ScaleY, x2 / ScaleX, y2 / ScaleY);
        return clip ? (Math.Clamp(x1, 0, srcWidth), Math.Clamp(y1, 0, srcHeight), Math.Clamp(x2, 0, srcWidth), Math.Clamp(y2, 0, srcHeight))
            : (x1, y1, x2, y2);
    }
}
