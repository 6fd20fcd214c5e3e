namespace Tood.Realtime.Postprocess;

/// <summary>
/// Post-processing thresholds. Defaults follow detector-CLI conventions (conf 0.25 like YOLO, boxes clipped to
/// the image); the COCO evaluation setting of spec §6 (mmdet port) is <see cref="CocoEval"/>: score 0.05,
/// pre-NMS top-1000 (location, class) pairs per level, no clipping, IoU 0.6, 100 per image.
/// </summary>
public sealed record DecodeOptions
{
    public float ScoreThreshold { get; init; } = 0.25f;
    public float IouThreshold { get; init; } = 0.6f;
    /// <summary>Per FPN level, keep at most this many (location, class) pairs before NMS (spec §6, mmdet variant).</summary>
    public int PreNmsTopK { get; init; } = 1000;
    public int MaxDetections { get; init; } = 100;
    /// <summary>Clip boxes to the resized image and then to the source image (deployment, and the official
    /// TOOD code, spec §6 step 3); false = MMDetection's TOODHead, which does not clip (evaluation).</summary>
    public bool ClipToImage { get; init; } = true;
    /// <summary>Only these class indices are reported; null = all.</summary>
    public IReadOnlySet<int>? Classes { get; init; }

    public static DecodeOptions CocoEval { get; } = new() { ScoreThreshold = 0.05f, ClipToImage = false };

    public void Validate()
    {
        if (ScoreThreshold is < 0 or > 1 || float.IsNaN(ScoreThreshold)) throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), "must be in [0,1]");
        if (IouThreshold is < 0 or > 1 || float.IsNaN(IouThreshold)) throw new ArgumentOutOfRangeException(nameof(IouThreshold), "must be in [0,1]");
        if (PreNmsTopK <= 0) throw new ArgumentOutOfRangeException(nameof(PreNmsTopK), "must be positive");
        if (MaxDetections <= 0) throw new ArgumentOutOfRangeException(nameof(MaxDetections), "must be positive");
    }
}
