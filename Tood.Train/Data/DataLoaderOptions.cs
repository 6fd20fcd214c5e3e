using Tood.Train.Data.Augment;

namespace Tood.Train.Data;

/// <summary>Which images may share a batch.</summary>
public enum BatchGrouping
{
    /// <summary>Consecutive images of the epoch order.</summary>
    None,

    /// <summary>Landscape (w &gt; h) and other images never share a batch (mmdet's GroupSampler aspect flag), so
    /// keep-ratio batches do not pad a portrait image to a landscape one's width.</summary>
    Orientation,

    /// <summary>Only images with the same padded canvas share a batch: no image is padded beyond its own
    /// multiple of 32, so evaluation equals mmdet's one-image-per-batch test exactly.</summary>
    Shape,
}

/// <param name="ImageSize">Square letterbox size or keep-ratio scale (<see cref="ImageSizeSpec"/>; an int is a square).</param>
/// <param name="Augment">null = no augmentation (evaluation: pure runtime letterbox).</param>
/// <param name="SkipEmpty">Skip images without targets (mmdet training default, spec §5).</param>
/// <param name="Workers">Images decoded concurrently.</param>
/// <param name="Prefetch">Batches prepared ahead of the consumer (bounded channel capacity).</param>
/// <param name="Grouping">Batch composition from the declared image sizes (see <see cref="BatchGrouping"/>).</param>
public sealed record DataLoaderOptions(
    int BatchSize,
    ImageSizeSpec ImageSize,
    bool Shuffle,
    AugmentOptions? Augment,
    int Seed = 0,
    bool SkipEmpty = false,
    bool DropLast = false,
    int Workers = 2,
    int Prefetch = 2,
    BatchGrouping Grouping = BatchGrouping.None);
