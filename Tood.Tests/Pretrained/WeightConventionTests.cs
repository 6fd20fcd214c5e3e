using Tood.Train.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Pretrained;

/// <summary>
/// Conventions that silently break MMDetection weight compatibility (spec §2.2–2.3, §3, P9): an imported
/// checkpoint only reproduces mmdet's boxes if all of these hold.
/// </summary>
public class WeightConventionTests
{
    [Fact]
    public void Anchor_points_are_at_j_times_s_i_times_s_row_major_levels_concatenated()
    {
        // 64×96 input: P3 8×12, P4 4×6, P5 2×3, P6 1×2, P7 1×1 (ceil) = 129 points.
        using var pts = Priors.AnchorPoints(64, 96);
        Assert.Equal([129L, 2], pts.shape);
        float[] v = pts.data<float>().ToArray();
        (float X, float Y) At(int a) => (v[2 * a], v[2 * a + 1]);
        Assert.Equal((0f, 0f), At(0));          // cell (0,0): no +0.5 offset
        Assert.Equal((8f, 0f), At(1));          // x varies fastest (row-major)
        Assert.Equal((0f, 8f), At(12));         // next row
        Assert.Equal((88f, 56f), At(95));       // last P3 cell (i=7, j=11)
        Assert.Equal((0f, 0f), At(96));         // P4 starts
        Assert.Equal((80f, 48f), At(119));      // last P4 cell (i=3, j=5) · 16
        Assert.Equal((64f, 0f), At(127));       // P6 (1×2): second cell
        Assert.Equal((0f, 0f), At(128));        // P7
        using var strides = Priors.Strides(64, 96);
        Assert.Equal([8f, 16f, 32f, 64f, 128f], new[] { 0, 96, 120, 126, 128 }.Select(i => strides[i].item<float>()));
    }

    [Fact]
    public void Distances_decode_around_the_cell_corner_point_in_grid_units()
    {
        using var dist = torch.tensor(new float[] { 1, 2, 3, 4 }).view(1, 4, 1, 1).expand(1, 4, 2, 3).contiguous();
        using var boxes = HeadMath.DistanceToBoxes(dist);
        // cell (i=1, j=2): (j−l, i−t, j+r, i+b) = (1, −1, 5, 5)
        Assert.Equal([1f, -1f, 5f, 5f], boxes[0, .., 1, 2].data<float>().ToArray());
    }

    [Fact]
    public void Alignment_offsets_are_dy_then_dx_per_side()
    {
        using var scope = torch.NewDisposeScope();
        // Four side maps with distinct values v = 100·c + 10·i + j on a 3×4 grid.
        var boxes = torch.zeros(1, 4, 3, 4);
        for (int c = 0; c < 4; c++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++) boxes[0, c, i, j] = torch.tensor(100f * c + 10f * i + j);
        var off = torch.zeros(1, 8, 3, 4);
        off[0, 1] = torch.tensor(1f);   // side 0: (dy, dx) = (0, 1)   → one column to the right
        off[0, 2] = torch.tensor(1f);   // side 1: (dy, dx) = (1, 0)   → one row down
        off[0, 5] = torch.tensor(0.5f); // side 2: (dy, dx) = (0, 0.5) → halfway to the next column
        off[0, 6] = torch.tensor(-1f);  // side 3: (dy, dx) = (−1, 0)  → one row up
        var s = BoxAlignment.Sample(boxes, off);
        Assert.Equal(12f, s[0, 0, 1, 1].item<float>());          // v(0,1,2)
        Assert.Equal(0f, s[0, 0, 1, 3].item<float>());           // beyond the last column: zero padding
        Assert.Equal(121f, s[0, 1, 1, 1].item<float>());         // v(1,2,1)
        Assert.Equal(0f, s[0, 1, 2, 1].item<float>());           // beyond the last row
        Assert.Equal(211.5f, s[0, 2, 1, 1].item<float>(), 4);    // (v(2,1,1)+v(2,1,2))/2
        Assert.Equal(301f, s[0, 3, 1, 1].item<float>());         // v(3,0,1)
        Assert.Equal(0f, s[0, 3, 0, 1].item<float>());           // above the first row
    }

    /// <summary>
    /// X_inter is the layer-major concatenation (channel (k−1)·C + c = channel c of inter conv k): the
    /// reduction conv's input columns k·C..k·C+C−1 belong to layer k and get that layer's attention weight.
    /// Reference = mmdet TaskDecomposition.forward, which folds the attention into the 1×1 weight
    /// (W'[o, k·C + c] = w_k·W[o, k·C + c]) and uses a batched matmul.
    /// </summary>
    [Fact]
    public void Task_decomposition_matches_mmdets_folded_weight_form_layer_major()
    {
        using var scope = torch.NewDisposeScope();
        const int c = 16, n = 3, groups = 4, h = 5, w = 6;
        var td = new TaskDecomposition(c, n, groups);
        PretrainedFixtures.Randomise(td, seed: 21);
        td.eval();
        var sd = td.state_dict();
        using var g = new Generator(4);
        // Layers with very different statistics so a channel-order mix-up changes the result.
        var feat = torch.cat([.. Enumerable.Range(0, n).Select(k => torch.randn(new long[] { 2, c, h, w }, generator: g) * (k + 1) + k)], 1);
        var avg = nn.functional.adaptive_avg_pool2d(feat, [1, 1]);
        using var noGrad = torch.no_grad();
        var actual = td.forward(feat, avg);

        // mmdet: weight = sigmoid(fc2(relu(fc1(avg)))); conv_weight = weight.reshape(b,1,n,1) * W.reshape(1,C,n,C)
        var a = nn.functional.conv2d(avg, sd["layer_attention.0.weight"], sd["layer_attention.0.bias"]).relu();
        var att = nn.functional.conv2d(a, sd["layer_attention.2.weight"], sd["layer_attention.2.bias"]).sigmoid(); // [B,n,1,1]
        var wRed = sd["reduction_conv.conv.weight"].view(1, c, n, c);
        var folded = (att.view(2, 1, n, 1) * wRed).reshape(2, c, n * c);
        var y = torch.bmm(folded, feat.view(2, n * c, h * w)).view(2, c, h, w);
        var expected = nn.functional.group_norm(y, groups, sd["reduction_conv.gn.weight"], sd["reduction_conv.gn.bias"]).relu();

        Assert.True(PretrainedFixtures.MaxAbsDiff(expected, actual) < 1e-5, $"max |Δ| {PretrainedFixtures.MaxAbsDiff(expected, actual)}");
        // The block-transposed (channel-major) reading would differ clearly:
        var swapped = feat.view(2, n, c, h, w).transpose(1, 2).reshape(2, n * c, h, w);
        var wrong = td.forward(swapped, avg);
        Assert.True(PretrainedFixtures.MaxAbsDiff(expected, wrong) > 1e-2);
    }
}
