using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// Anchor points (spec §3): one prior per location, centre of cell (i,j) at level stride s is
/// (x = j·s, y = i·s) — no +0.5 (P9). Order: per level row-major (y outer, x inner), P3→P7.
/// Level sizes for an H×W input are (ceil(H/s), ceil(W/s)), which is what the ResNet/FPN produce.
/// </summary>
public static class Priors
{
    public static IReadOnlyList<int> DefaultStrides { get; } = [8, 16, 32, 64, 128];

    /// <summary>(H_l, W_l) per level for an input of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static IReadOnlyList<(int Height, int Width)> LevelSizes(int height, int width, IReadOnlyList<int>? strides = null) =>
        [.. (strides ?? DefaultStrides).Select(s => ((height + s - 1) / s, (width + s - 1) / s))];

    /// <summary>Total anchor count A.</summary>
    public static int Count(int height, int width, IReadOnlyList<int>? strides = null) =>
        LevelSizes(height, width, strides).Sum(x => x.Height * x.Width);

    /// <summary>[A, 2] float32 anchor points (x, y) in input pixels.</summary>
    public static Tensor AnchorPoints(int height, int width, IReadOnlyList<int>? strides = null, Device? device = null)
    {
        strides ??= DefaultStrides;
        return AnchorPoints(LevelSizes(height, width, strides), strides, device);
    }

    /// <summary>[A, 2] float32 anchor points (x, y) in pixels for explicit level sizes (e.g. <see cref="DetectorOutput.LevelSizes"/>).</summary>
    public static Tensor AnchorPoints(IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<int> strides, Device? device = null)
    {
        using var scope = torch.NewDisposeScope();
        var parts = new Tensor[sizes.Count];
        for (int l = 0; l < sizes.Count; l++)
        {
            var (h, w) = sizes[l];
            var xs = torch.arange(w, dtype: ScalarType.Float32, device: device) * strides[l];
            var ys = torch.arange(h, dtype: ScalarType.Float32, device: device) * strides[l];
            parts[l] = torch.stack([xs.view(1, w).expand(h, w), ys.view(h, 1).expand(h, w)], -1).reshape(-1, 2);
        }
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>[A] float32 stride of each anchor's level.</summary>
    public static Tensor Strides(int height, int width, IReadOnlyList<int>? strides = null, Device? device = null)
    {
        strides ??= DefaultStrides;
        return Strides(LevelSizes(height, width, strides), strides, device);
    }

    /// <summary>[A] float32 stride of each anchor's level, for explicit level sizes.</summary>
    public static Tensor Strides(IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<int> strides, Device? device = null)
    {
        using var scope = torch.NewDisposeScope();
        var parts = new Tensor[sizes.Count];
        for (int l = 0; l < sizes.Count; l++)
            parts[l] = torch.full(sizes[l].Height * sizes[l].Width, strides[l], dtype: ScalarType.Float32, device: device);
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>[A] int64 level index (0 = P3) of each anchor.</summary>
    public static Tensor LevelIndex(IReadOnlyList<(int Height, int Width)> sizes, Device? device = null)
    {
        using var scope = torch.NewDisposeScope();
        var parts = new Tensor[sizes.Count];
        for (int l = 0; l < sizes.Count; l++)
            parts[l] = torch.full(sizes[l].Height * sizes[l].Width, l, dtype: ScalarType.Int64, device: device);
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }
    /// <summary>
    /// [B, A] bool valid flags (spec §3): a location (i, j) of level stride s is valid for image b when
    /// j &lt; ceil(W_b/s) and i &lt; ceil(H_b/s), where (W_b, H_b) is that image's content extent (top-left
    /// aligned in the canvas) rounded up to <paramref name="padDivisor"/> — mmdet's per-image pad_shape
    /// (Pad size_divisor=32). Anchors in the rest of the canvas (letterbox or batch padding) are invalid:
    /// label weight 0, never ATSS or TAL candidates. Built on the device without a host synchronisation.
    /// </summary>
    /// <param name="sizes">(H_l, W_l) per level of the padded canvas.</param>
    /// <param name="extents">Per image (content width, content height) in input pixels.</param>
    public static Tensor ValidMask(IReadOnlyList<(int Height, int Width)> sizes, IReadOnlyList<int> strides,
        IReadOnlyList<(int Width, int Height)> extents, int padDivisor = 32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(extents);
        ArgumentOutOfRangeException.ThrowIfLessThan(padDivisor, 1);
        if (extents.Count == 0) throw new ArgumentException("at least one image extent expected", nameof(extents));
        foreach (var (w, h) in extents)
            if (w < 1 || h < 1) throw new ArgumentException($"image extent must be positive, got {w}×{h}", nameof(extents));
        using var scope = torch.NewDisposeScope();
        int b = extents.Count;
        var parts = new Tensor[sizes.Count];
        for (int l = 0; l < sizes.Count; l++)
        {
            int s = strides[l];
            var (h, w) = sizes[l];
            long[] rows = [.. extents.Select(e => (long)CeilDiv(CeilDiv(e.Height, padDivisor) * padDivisor, s))];
            long[] cols = [.. extents.Select(e => (long)CeilDiv(CeilDiv(e.Width, padDivisor) * padDivisor, s))];
            var rowOk = torch.arange(h, dtype: ScalarType.Int64, device: device).view(1, h, 1)
                .lt(torch.tensor(rows, device: device).view(b, 1, 1));
            var colOk = torch.arange(w, dtype: ScalarType.Int64, device: device).view(1, 1, w)
                .lt(torch.tensor(cols, device: device).view(b, 1, 1));
            parts[l] = rowOk.logical_and(colOk).reshape(b, (long)h * w);
        }
        return torch.cat(parts, 1).MoveToOuterDisposeScope();
    }

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
