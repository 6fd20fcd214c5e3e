using Tood.Train.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Model;

// spec §3: centres (j·s, i·s), row-major per level, P3→P7.
public class PriorsTests
{
    [Fact]
    public void Anchor_points_for_a_64x64_input_are_hand_checked()
    {
        using var scope = torch.NewDisposeScope();
        // 8×8 + 4×4 + 2×2 + 1×1 + 1×1 = 86
        Assert.Equal(86, Priors.Count(64, 64));
        var pts = Priors.AnchorPoints(64, 64);
        Assert.Equal(new long[] { 86, 2 }, pts.shape);
        float[] p = pts.data<float>().ToArray();
        (float X, float Y) At(int a) => (p[2 * a], p[2 * a + 1]);
        Assert.Equal((0f, 0f), At(0));
        Assert.Equal((8f, 0f), At(1));
        Assert.Equal((56f, 0f), At(7));
        Assert.Equal((0f, 8f), At(8));      // row-major: y outer
        Assert.Equal((56f, 56f), At(63));   // last P3
        Assert.Equal((0f, 0f), At(64));     // first P4
        Assert.Equal((16f, 0f), At(65));
        Assert.Equal((48f, 48f), At(79));   // last P4
        Assert.Equal((32f, 32f), At(83));   // last P5
        Assert.Equal((0f, 0f), At(84));     // P6
        Assert.Equal((0f, 0f), At(85));     // P7
        var strides = Priors.Strides(64, 64).data<float>().ToArray();
        Assert.Equal(8f, strides[63]);
        Assert.Equal(16f, strides[64]);
        Assert.Equal(64f, strides[84]);
        Assert.Equal(128f, strides[85]);
    }

    [Fact]
    public void Level_sizes_use_ceil_and_match_the_network_output()
    {
        Assert.Equal([(13, 21), (7, 11), (4, 6), (2, 3), (1, 2)], Priors.LevelSizes(100, 161));
        // spec §1.4: 1344×800 → 22,400 anchors.
        Assert.Equal(22_400, Priors.Count(800, 1344));
    }

    [Fact]
    public void Non_square_points_follow_width_then_height()
    {
        using var scope = torch.NewDisposeScope();
        var pts = Priors.AnchorPoints(32, 64); // P3 is 4 rows × 8 columns
        Assert.Equal(new float[] { 56, 0 }, pts[7].data<float>().ToArray());
        Assert.Equal(new float[] { 0, 8 }, pts[8].data<float>().ToArray());
        Assert.Equal(32 + 8 + 2 + 1 + 1, (int)pts.shape[0]);
    }
}
