using Tood.Train.Assign;
using Tood.Train.Model;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Assign;

/// <summary>
/// ATSS centre distances exactly as mmdet's ATSSAssigner computes them, (a − b).pow(2).sum(−1).sqrt()
/// (spec §4.1 step 2), on the 512×512 priors. The gt below was found by a search over random boxes at 512²
/// for a scene where libtorch's <c>cdist</c> (matrix-product mode above 25 rows: ‖a‖² + ‖b‖² − 2a·b, which
/// loses the low bits when ‖a‖² ≈ 1.5e5) swaps the 9th and 10th nearest P3 anchors: its centre
/// (320.000415, 196.12358) sits 0.0004 px right of the column x = 320, so anchor (328, 208) (index 26·64 + 41
/// = 1705) is nearer than (312, 208) (index 1703) by 0.00045 px, far below cdist's error there.
/// </summary>
public class AtssDistanceTests
{
    private static readonly float[] NearTieGt = [271.055f, 150.8443f, 368.94583f, 241.40286f];

    [Fact]
    public void Centre_distances_equal_the_elementwise_float32_form_bit_for_bit_at_512px()
    {
        using var scope = NewDisposeScope();
        var points = Priors.AnchorPoints(512, 512);
        var gts = Rows(4, [.. NearTieGt, 3.5f, 7.25f, 500.125f, 411.0f, 100.3f, 100.7f, 140.9f, 180.1f]);
        var dist = Floats(AtssAssigner.CentreDistances(points, BoxOps.Centers(gts)));
        var p = Floats(points);
        var g = Floats(gts);
        int numGts = g.Length / 4;
        var squared = new float[dist.Length];
        for (int a = 0; a < p.Length / 2; a++)
            for (int j = 0; j < numGts; j++)
            {
                // mmdet: gt_cx = (x1 + x2) / 2; (points − gt_points).pow(2).sum(−1), float32 tensors; libtorch's CPU
                // sum accumulates float in double (acc_type) and rounds once.
                float cx = (g[4 * j] + g[4 * j + 2]) * 0.5f, cy = (g[4 * j + 1] + g[4 * j + 3]) * 0.5f;
                float dx = p[2 * a] - cx, dy = p[2 * a + 1] - cy;
                float dx2 = dx * dx, dy2 = dy * dy;
                squared[a * numGts + j] = (float)((double)dx2 + dy2);
            }
        // .sqrt() with libtorch's own kernel: its vectorised sqrt is not always the correctly rounded one
        // (sqrt(26208.518f) = 161.89046 here, MathF.Sqrt 161.89044), and mmdet uses the same kernel.
        var expected = Floats(tensor(squared).reshape(dist.Length / numGts, numGts).sqrt());
        for (int i = 0; i < dist.Length; i++)
            Assert.True(expected[i] == dist[i], $"anchor {i / numGts} gt {i % numGts}: {dist[i]:R} != {expected[i]:R}");
    }

    [Fact]
    public void Near_tie_at_512px_keeps_the_truly_nearer_anchor_among_the_p3_candidates()
    {
        using var scope = NewDisposeScope();
        var sizes = Priors.LevelSizes(512, 512);
        var counts = sizes.Select(s => s.Height * s.Width).ToList();
        var points = Priors.AnchorPoints(512, 512);
        var gt = Rows(4, NearTieGt);
        var candidates = LongArray(new AtssAssigner().Candidates(points, gt, counts, null));
        Assert.Equal(9 * 5, candidates.Length);                    // 9 per level, P3 first
        var p3 = candidates.Take(9).Order().ToArray();
        Assert.Equal(new long[] { 1576, 1639, 1640, 1641, 1704, 1705, 1575, 1577, 1512 }.Order(), p3);
        Assert.Contains(1705L, p3);
        Assert.DoesNotContain(1703L, p3);

        // The scene discriminates: ranking by cdist (the previous implementation) takes 1703 instead.
        var (_, byCdist) = cdist(points.narrow(0, 0, counts[0]), BoxOps.Centers(gt)).topk(9, dim: 0, largest: false);
        var old = LongArray(byCdist).Order().ToArray();
        Assert.Contains(1703L, old);
        Assert.DoesNotContain(1705L, old);
    }
}
