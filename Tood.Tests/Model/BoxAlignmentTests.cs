using Tood.Train.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Model;

// spec §2.3 / §10.3: grid_sample reproduces mmcv deformable sampling.
public class BoxAlignmentTests
{
    private static Tensor Ramp(long b, long h, long w) =>
        torch.arange(b * 4 * h * w, dtype: ScalarType.Float32).view(b, 4, h, w) * 0.5f + 1f;

    [Fact]
    public void Zero_offsets_return_the_input_exactly()
    {
        using var scope = torch.NewDisposeScope();
        var boxes = Ramp(2, 5, 7);
        var outp = BoxAlignment.Sample(boxes, torch.zeros(2, 8, 5, 7));
        Assert.Equal(0f, (outp - boxes).abs().max().item<float>());
    }

    [Fact]
    public void Offset_dx_1_shifts_one_column_left_with_zero_last_column()
    {
        using var scope = torch.NewDisposeScope();
        var boxes = Ramp(1, 4, 6);
        var off = torch.zeros(1, 8, 4, 6);
        for (int c = 0; c < 4; c++) off[0, 2 * c + 1] = torch.ones(4, 6); // dx = 1 for every side
        var outp = BoxAlignment.Sample(boxes, off);
        Assert.Equal(0f, (outp[.., .., .., ..5] - boxes[.., .., .., 1..]).abs().max().item<float>(), 5);
        Assert.Equal(0f, outp[.., .., .., 5].abs().max().item<float>());
    }

    [Fact]
    public void Offsets_are_row_first_then_column_per_side()
    {
        using var scope = torch.NewDisposeScope();
        var boxes = Ramp(1, 4, 6);
        var off = torch.zeros(1, 8, 4, 6);
        off[0, 2] = torch.ones(4, 6);      // side 1 (y1): dy = 1 → value from the next row
        var outp = BoxAlignment.Sample(boxes, off);
        Assert.Equal(0f, (outp[0, 1, ..3] - boxes[0, 1, 1..]).abs().max().item<float>(), 5);
        Assert.Equal(0f, outp[0, 1, 3].abs().max().item<float>());
        Assert.Equal(0f, (outp[0, 0] - boxes[0, 0]).abs().max().item<float>(), 5); // other sides untouched
    }

    [Fact]
    public void Fractional_offset_gives_the_hand_computed_bilinear_value()
    {
        using var scope = torch.NewDisposeScope();
        // side 0 map 3×3: v(i,j) = 10·i + j.
        var map = torch.zeros(1, 4, 3, 3);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) map[0, 0, i, j] = torch.tensor(10f * i + j);
        var off = torch.zeros(1, 8, 3, 3);
        off[0, 0, 0, 0] = torch.tensor(0.25f); // dy at (0,0)
        off[0, 1, 0, 0] = torch.tensor(0.5f);  // dx at (0,0)
        off[0, 0, 2, 2] = torch.tensor(0.5f);  // at (2,2): sample (2.5, 2.3) → half the weight outside
        off[0, 1, 2, 2] = torch.tensor(0.3f);
        var outp = BoxAlignment.Sample(map, off);
        // (0.25, 0.5): 0.75·0.5·v00 + 0.75·0.5·v01 + 0.25·0.5·v10 + 0.25·0.5·v11 = 0.375·1 + 0.125·10 + 0.125·11 = 3.0
        Assert.Equal(3.0f, outp[0, 0, 0, 0].item<float>(), 5);
        // (2.5, 2.3): only neighbour (2,2) is inside, weight (1−0.5)·(1−0.3) = 0.35 → 0.35·22 = 7.7 (mmcv zero padding)
        Assert.Equal(7.7f, outp[0, 0, 2, 2].item<float>(), 4);
    }

    [Fact]
    public void Works_on_a_one_pixel_wide_map()
    {
        using var scope = torch.NewDisposeScope();
        var boxes = Ramp(1, 3, 1);
        var same = BoxAlignment.Sample(boxes, torch.zeros(1, 8, 3, 1));
        Assert.Equal(0f, (same - boxes).abs().max().item<float>());
        var off = torch.zeros(1, 8, 3, 1);
        off[0, 1] = torch.full(3, 1, 0.25f); // dx = 0.25 → 0.75 of the only column
        var outp = BoxAlignment.Sample(boxes, off);
        var expected = boxes.clone();
        expected[0, 0] = boxes[0, 0] * 0.75f;
        Assert.Equal(0f, (outp - expected).abs().max().item<float>(), 5);
        Assert.False(outp.isnan().any().item<bool>());
    }

    [Fact]
    public void Gradients_flow_to_boxes_and_offsets()
    {
        using var scope = torch.NewDisposeScope();
        var boxes = Ramp(1, 4, 4).requires_grad_(true);
        var off = torch.full(1, 8, 4, 4, 0.3f).requires_grad_(true);
        BoxAlignment.Sample(boxes, off).sum().backward();
        Assert.True(boxes.grad!.abs().sum().item<float>() > 0);
        Assert.True(off.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Inverted_aligned_boxes_fall_back_to_the_unaligned_box()
    {
        using var scope = torch.NewDisposeScope();
        var aligned = torch.tensor(new float[] { 0, 0, 2, 2, /* */ 3, 0, 1, 2 }).view(2, 4).T.view(1, 4, 1, 2);
        var unaligned = torch.tensor(new float[] { 9, 9, 9, 9, /* */ 0, 0, 4, 4 }).view(2, 4).T.view(1, 4, 1, 2);
        var r = BoxAlignment.ReplaceInverted(aligned, unaligned);
        Assert.Equal(new float[] { 0, 0, 2, 2 }, r[0, .., 0, 0].data<float>().ToArray());
        Assert.Equal(new float[] { 0, 0, 4, 4 }, r[0, .., 0, 1].data<float>().ToArray());
    }
}
