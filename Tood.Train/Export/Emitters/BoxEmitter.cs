using static TorchSharp.torch;

namespace Tood.Train.Export.Emitters;

/// <summary>
/// T-Head box decoding and alignment (spec §2.2 steps 5–6, §2.3). Runs in float32 (callers cast the
/// conv outputs first), so fp16 exports keep box geometry exact to fp32 precision.
/// </summary>
internal static class BoxEmitter
{
    /// <summary>
    /// Anchor-free decode: dist = scale·exp(reg) (l,t,r,b in grid units) and
    /// B = (j − l, i − t, j + r, i + b) with the anchor of cell (i,j) at (j,i) — no +0.5 (spec §3, P9).
    /// Emitted as exp(reg) · (scale·[−1,−1,1,1]) + anchors[1,4,H,W]; multiplying by −scale equals
    /// −(scale·exp) exactly, so this matches the two-step form bit for bit before the add.
    /// </summary>
    public static string DecodeDistances(this OnnxGraphBuilder g, string reg, float scale, long height, long width, string hint)
    {
        var e = g.Exp(reg, hint + ".exp");
        var signed = g.Mul(e, g.Float32Constant($"{hint}.signed_scale", [-scale, -scale, scale, scale], 1, 4, 1, 1), hint + ".dist");
        return g.Add(signed, AnchorGrid(g, height, width), hint);
    }

    /// <summary>[1,4,H,W] with channels (j, i, j, i): anchor points in grid units, shared per level size.</summary>
    public static string AnchorGrid(OnnxGraphBuilder g, long height, long width)
    {
        var data = new float[4 * height * width];
        long plane = height * width;
        for (long i = 0; i < height; i++)
            for (long j = 0; j < width; j++)
            {
                long p = i * width + j;
                data[p] = j; data[plane + p] = i; data[2 * plane + p] = j; data[3 * plane + p] = i;
            }
        return g.Float32Constant($"const.anchors_{height}x{width}", data, 1, 4, height, width);
    }

    /// <summary>
    /// Reorders the output channels of reg_offset_conv2 from mmcv's per-side (dy, dx) to (dx, dy), the
    /// (x, y) order GridSample wants. Done on the weights, so the graph needs no channel shuffle.
    /// </summary>
    public static (Tensor Weight, Tensor Bias) OffsetConvToXy(Tensor weight, Tensor bias)
    {
        long n = weight.shape[0];
        if (n % 2 != 0) throw new ArgumentException("offset conv must have an even number of output channels");
        var perm = new long[n];
        for (long k = 0; k < n; k += 2) { perm[k] = k + 1; perm[k + 1] = k; }
        using var idx = tensor(perm);
        return (weight.index_select(0, idx), bias.index_select(0, idx));
    }

    /// <summary>
    /// Box alignment by bilinear sampling (spec §2.3): side c of box (i,j) is sampled from B[c] at
    /// (i + dy_c, j + dx_c). GridSample(bilinear, zeros, align_corners=0) on B viewed as [N·4,1,H,W] with
    /// grid gx = (2·(j+dx)+1)/W − 1 = dx·(2/W) + ((2j+1)/W − 1), gy likewise, reproduces mmcv's
    /// deformable sampling including its zero boundary.
    /// </summary>
    /// <param name="box">[N,4,H,W] float32, grid units.</param>
    /// <param name="offsetsXy">[N,8,H,W] float32, channel 2c = dx_c, 2c+1 = dy_c (see <see cref="OffsetConvToXy"/>).</param>
    public static string AlignBoxes(this OnnxGraphBuilder g, string box, string offsetsXy, long height, long width, string hint)
    {
        var pairs = g.Reshape(offsetsXy, [-1, 2, height, width], hint + ".offset_pairs");       // [N·4, 2, H, W]
        var last = g.Transpose(pairs, [0, 2, 3, 1], hint + ".offset_xy");                     // [N·4, H, W, 2]
        var scaled = g.Mul(last, g.Float32Constant($"const.grid_scale_{height}x{width}", [2f / width, 2f / height], 2), hint + ".grid_delta");
        var grid = g.Add(scaled, GridBase(g, height, width), hint + ".grid");
        var planes = g.Reshape(box, [-1, 1, height, width], hint + ".box_planes");
        var sampled = g.Node("GridSample", [planes, grid], hint + ".sampled",
            OnnxAttr.Int("align_corners", 0),
            OnnxAttr.String("mode", "bilinear"),
            OnnxAttr.String("padding_mode", "zeros"));
        return g.Reshape(sampled, [-1, 4, height, width], hint);
    }

    /// <summary>[H,W,2]: ((2j+1)/W − 1, (2i+1)/H − 1), the normalised position of cell centres.</summary>
    private static string GridBase(OnnxGraphBuilder g, long height, long width)
    {
        var data = new float[height * width * 2];
        for (long i = 0; i < height; i++)
            for (long j = 0; j < width; j++)
            {
                long p = (i * width + j) * 2;
                data[p] = (float)((2.0 * j + 1) / width - 1);
                data[p + 1] = (float)((2.0 * i + 1) / height - 1);
            }
        return g.Float32Constant($"const.grid_base_{height}x{width}", data, height, width, 2);
    }

    /// <summary>Flattens a per-level [N,C,H,W] map to [N,C,H·W] (row-major cells), optionally scaled (boxes → pixels).</summary>
    public static string FlattenLevel(this OnnxGraphBuilder g, string x, long channels, long height, long width, float? multiplier, string hint)
    {
        var flat = g.Reshape(x, [0, channels, height * width], hint + ".flat");
        return multiplier is { } m ? g.Mul(flat, g.Float32Constant($"const.f32_{m.ToString(System.Globalization.CultureInfo.InvariantCulture)}", [m], 1), hint) : flat;
    }

    /// <summary>Concatenates flattened levels [N,C,A_l] along anchors and transposes to [N,A,C].</summary>
    public static string ConcatLevels(this OnnxGraphBuilder g, IReadOnlyList<string> levels, string outputName)
    {
        var all = g.Concat(levels, 2, outputName + ".levels");
        return g.Transpose(all, [0, 2, 1], outputName);
    }

}
