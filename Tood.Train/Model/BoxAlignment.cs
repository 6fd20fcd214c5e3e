using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// TAP-reg box alignment (spec §2.2 step 6, §2.3): mmcv's deform_conv2d with an all-ones 1×1
/// depthwise kernel is pure bilinear sampling, reproduced here exactly with grid_sample
/// (align_corners=false, zero padding).
/// </summary>
public static class BoxAlignment
{
    /// <summary>
    /// Samples each box-side map c of <paramref name="boxes"/> [B,4,H,W] at (i + dy_c, j + dx_c), where
    /// <paramref name="offsets"/> [B,8,H,W] holds (dy, dx) for side c in channels (2c, 2c+1)
    /// (mmcv offset layout). Locations outside the map contribute 0. Returns [B,4,H,W].
    /// </summary>
    public static Tensor Sample(Tensor boxes, Tensor offsets)
    {
        using var scope = torch.NewDisposeScope();
        long b = boxes.shape[0], c = boxes.shape[1], h = boxes.shape[2], w = boxes.shape[3];
        var off = offsets.view(b, c, 2, h, w);
        var dy = off.select(2, 0);
        var dx = off.select(2, 1);
        var jj = torch.arange(w, dtype: offsets.dtype, device: offsets.device).view(1, 1, 1, w);
        var ii = torch.arange(h, dtype: offsets.dtype, device: offsets.device).view(1, 1, h, 1);
        // align_corners=false un-normalises g → ((g+1)·W − 1)/2, so this maps back to j+dx exactly.
        var gx = (2 * (jj + dx) + 1) / w - 1;
        var gy = (2 * (ii + dy) + 1) / h - 1;
        var grid = torch.stack([gx, gy], dim: -1).view(b * c, h, w, 2); // last dim (x, y)
        var sampled = nn.functional.grid_sample(
            boxes.reshape(b * c, 1, h, w), grid,
            mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);
        return sampled.view(b, c, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// mmdet TOODHead: where the aligned box is inverted (x1 &gt; x2 or y1 &gt; y2) fall back to the
    /// unaligned box for all four sides (avoids negative GIoU, spec P1). Both inputs [B,4,H,W].
    /// </summary>
    public static Tensor ReplaceInverted(Tensor aligned, Tensor unaligned)
    {
        using var scope = torch.NewDisposeScope();
        var invalid = aligned.narrow(1, 0, 1).gt(aligned.narrow(1, 2, 1))
            .logical_or(aligned.narrow(1, 1, 1).gt(aligned.narrow(1, 3, 1)));
        return torch.where(invalid.expand_as(aligned), unaligned, aligned).MoveToOuterDisposeScope();
    }
}
