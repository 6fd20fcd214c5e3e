namespace Tood.Train.Data.Augment;

/// <summary>Training augmentation settings. Spec §5 uses horizontal flip only; the scale jitter is an
/// addition for small datasets (set MinScale = MaxScale = 1 to disable). <paramref name="MosaicProbability"/>: the
/// share of samples that are a <see cref="Mosaic"/> of four images instead of one (square sizes only; 0 = none).</summary>
public sealed record AugmentOptions(double FlipProbability = 0.5, double MinScale = 0.75, double MaxScale = 1.25, double MosaicProbability = 0)
{
    public static readonly AugmentOptions FlipOnly = new(0.5, 1, 1);
}

/// <summary>Random draws for one sample: flip, scale factor relative to the letterbox scale, and the
/// crop position (0..1) used when the jittered image is larger than the target.</summary>
public readonly record struct AugmentParams(bool Flip, float ScaleJitter, float CropX, float CropY)
{
    public static readonly AugmentParams None = new(false, 1f, 0f, 0f);

    public static AugmentParams Sample(Random rng, AugmentOptions o)
    {
        bool flip = rng.NextDouble() < o.FlipProbability;
        float s = (float)(o.MinScale + (o.MaxScale - o.MinScale) * rng.NextDouble());
        return new AugmentParams(flip, s, (float)rng.NextDouble(), (float)rng.NextDouble());
    }
}
