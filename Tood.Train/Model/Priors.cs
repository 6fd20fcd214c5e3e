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
}
