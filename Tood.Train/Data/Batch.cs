using Tood.Train.Data.Augment;
using static TorchSharp.torch;

namespace Tood.Train.Data;

/// <summary>
/// A collated batch: <see cref="Images"/> float32 [B,3,H,W] (normalised RGB; H×W = the square canvas, or the
/// largest keep-ratio canvas of the batch), per image gt boxes [G,4] (x1,y1,x2,y2 in input pixels) and labels
/// [G] (int64 class index), each image's real content extent, plus what is needed to map predictions back to
/// source pixels. Owns its tensors (created on loader threads, outside any dispose scope).
/// </summary>
public sealed class Batch(int epoch, int index, Tensor images, Tensor[] gtBoxes, Tensor[] gtLabels,
    long[] imageIds, Placement[] placements, int[] srcWidths, int[] srcHeights) : IDisposable
{
    public int Epoch { get; } = epoch;
    public int Index { get; } = index;
    public Tensor Images { get; } = images;
    public IReadOnlyList<Tensor> GtBoxes { get; } = gtBoxes;
    public IReadOnlyList<Tensor> GtLabels { get; } = gtLabels;
    public IReadOnlyList<long> ImageIds { get; } = imageIds;
    public IReadOnlyList<Placement> Placements { get; } = placements;
    public IReadOnlyList<int> SourceWidths { get; } = srcWidths;
    public IReadOnlyList<int> SourceHeights { get; } = srcHeights;

    public int Size => imageIds.Length;
    /// <summary>Per image (content width, content height) in input pixels: the top-left region of the canvas that
    /// holds image content; the rest (letterbox, the image's pad to 32, batch padding) is padding, whose anchors are
    /// invalid (spec §3, <c>Priors.ValidMask</c>). The image's own padded canvas — mmdet's pad_shape in keep-ratio
    /// mode, S×S for the square letterbox — is Placements[i].CanvasWidth/Height.</summary>
    public IReadOnlyList<(int Width, int Height)> ContentSizes { get; } = [.. placements.Select(p => (p.VisibleWidth, p.VisibleHeight))];
    public int Height => (int)Images.shape[2];
    public int Width => (int)Images.shape[3];

    /// <summary>Seconds the consumer waited for this batch (0 when it was already prefetched).</summary>
    public double WaitSeconds { get; internal set; }

    public void Dispose()
    {
        Images.Dispose();
        foreach (var t in gtBoxes) t.Dispose();
        foreach (var t in gtLabels) t.Dispose();
    }
}
