using Tood.Train.Data.Augment;

namespace Tood.Train.Data;

/// <param name="ImageSize">Square training size, a multiple of 32.</param>
/// <param name="Augment">null = no augmentation (evaluation: pure runtime letterbox).</param>
/// <param name="SkipEmpty">Skip images without targets (mmdet training default, spec §5).</param>
/// <param name="Workers">Images decoded concurrently.</param>
/// <param name="Prefetch">Batches prepared ahead of the consumer (bounded channel capacity).</param>
public sealed record DataLoaderOptions(
    int BatchSize,
    int ImageSize,
    bool Shuffle,
    AugmentOptions? Augment,
    int Seed = 0,
    bool SkipEmpty = false,
    bool DropLast = false,
    int Workers = 2,
    int Prefetch = 2);
