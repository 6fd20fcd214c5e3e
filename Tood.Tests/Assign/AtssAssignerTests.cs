using Tood.Train.Assign;
using TorchSharp;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Assign;

/// <summary>
/// Hand-computed ATSS scene (spec §4.1), K = 2, background = 2. All points at y = 16.
///
/// Level 0, stride 4 → anchor side 32, box (x−16, 0, x+16, 32):   a0 x=2, a1 x=13, a2 x=21, a3 x=30, a4 x=46
/// Level 1, stride 8 → anchor side 64, box (x−32, −16, x+32, 48): a5 x=0, a6 x=24, a7 x=64
/// gts: g0 = (0,0,32,32) class 0 (centre 16,16);  g1 = (8,0,40,32) class 1 (centre 24,16).
///
/// Level-0 IoU with a 32×32 gt whose centre is d px away horizontally: (32−d)·32 / (2·1024 − (32−d)·32) = (32−d)/(32+d).
///   g0: a0 d=14 → 18/46 = .391304, a1 d=3 → 29/35 = .828571, a2 d=5 → 27/37 = .729730, a3 d=14 → .391304, a4 d=30 → 2/62 = .032258
///   g1: a0 d=22 → 10/54 = .185185, a1 d=11 → 21/43 = .488372, a2 d=3 → .828571, a3 d=6 → 26/38 = .684211, a4 d=22 → .185185
/// Level-1 (64×64 box, height overlap 32): g0: a5 32·32/4096 = .25, a6 .25, a7 0;
///   g1: a5 overlap 24·32 = 768 → 768/(4096+1024−768) = .176471, a6 .25, a7 256/4864 = .052632.
/// </summary>
public class AtssAssignerTests
{
    private const int K = 2;
    private static readonly int[] Levels = { 5, 3 };

    private static (Tensor Points, Tensor Strides, Tensor GtBoxes, Tensor GtLabels) Scene()
    {
        var points = Rows(2, 2, 16, 13, 16, 21, 16, 30, 16, 46, 16, 0, 16, 24, 16, 64, 16);
        var strides = tensor(new float[] { 4, 4, 4, 4, 4, 8, 8, 8 });
        var gtBoxes = Rows(4, 0, 0, 32, 32, 8, 0, 40, 32);
        return (points, strides, gtBoxes, Longs(0, 1));
    }

    [Fact]
    public void Default_topk9_uses_all_anchors_of_small_levels_and_mean_plus_unbiased_std()
    {
        // topk = min(9, n_level): 5 + 3 = 8 candidates per gt.
        // g0: Σ = 2.873168, mean .359146, Σ(x−mean)² = .619428, std = sqrt(.619428/7) = .297472, thr = .656618
        //     IoU ≥ thr: a1 .828571, a2 .729730 — both inside g0 (l,t,r,b > .01) → positive.
        // g1: Σ = 2.850627, mean .356328, Σ(x−mean)² = .542422, std = sqrt(.542422/7) = .278368, thr = .634697
        //     IoU ≥ thr: a2 .828571, a3 .684211 — both inside g1 → positive.
        // Conflict a2: IoU g1 .828571 > g0 .729730 → g1.
        // Centerness: a1 w.r.t. g0: l 13, r 19, t = b = 16 → sqrt(13/19) = .827170; a2 w.r.t. g1: l 13, r 19 → .827170;
        //             a3 w.r.t. g1: l 22, r 10 → sqrt(10/22) = .674200.
        using var scope = NewDisposeScope();
        var (points, strides, gtBoxes, gtLabels) = Scene();
        using var r = new AtssAssigner().Assign(points, strides, Levels, gtBoxes, gtLabels, K);

        Assert.Equal(new[] { 1, 2, 3 }, Indices(r.PositiveMask));
        Assert.Equal(new long[] { -1, 0, 1, 1, -1, -1, -1, -1 }, LongArray(r.AssignedGt));
        Assert.Equal(new long[] { K, 0, 1, 1, K, K, K, K }, LongArray(r.Labels));
        Assert.Equal(new float[] { 0, 1, 1, 1, 0, 0, 0, 0 }, Floats(r.Weights));
        var ctr = Floats(r.Centerness);
        Close(.827170, ctr[1], 1e-5, "centerness a1");
        Close(.827170, ctr[2], 1e-5, "centerness a2");
        Close(.674200, ctr[3], 1e-5, "centerness a3");
        Assert.Equal(0f, ctr[0]);
        Close(.828571, Floats(r.Overlaps)[2], 1e-5, "IoU a2 with its gt g1");
        Assert.Equal(new float[] { 8, 0, 40, 32 }, Floats(r.BoxTargets[2]));
    }

    [Fact]
    public void Per_level_topk_changes_the_candidate_set_and_threshold()
    {
        // topk = 2 per level (distances: g0 L0 a1 3, a2 5; L1 a6 8, a5 16 | g1 L0 a2 3, a3 6; L1 a6 0, a5 24):
        // g0 candidates a1 .828571, a2 .729730, a6 .25, a5 .25: mean .514575, Σ(x−mean)² = .284885,
        //    std = sqrt(.284885/3) = .308159, thr .822734 → only a1.
        // g1 candidates a2 .828571, a3 .684211, a6 .25, a5 .176471: mean .484813, Σ(x−mean)² = .308141,
        //    std = .320490, thr .805303 → only a2.
        // a3 (positive with topk 9) is now below the threshold.
        using var scope = NewDisposeScope();
        var (points, strides, gtBoxes, gtLabels) = Scene();
        using var r = new AtssAssigner(topk: 2).Assign(points, strides, Levels, gtBoxes, gtLabels, K);
        Assert.Equal(new[] { 1, 2 }, Indices(r.PositiveMask));
        Assert.Equal(new long[] { -1, 0, 1, -1, -1, -1, -1, -1 }, LongArray(r.AssignedGt));
    }

    [Fact]
    public void Threshold_uses_the_unbiased_std()
    {
        // Spec P13. One level, stride 4 (side 32), gt (0,0,32,32); points x = 16, 17, 28, 48, 49 (y 16).
        // IoUs (32−d)/(32+d): 1, 31/33 = .939394, 20/44 = .454545, 0, 0. Σ 2.393939, mean .478788.
        // (x−mean)²: .271662 + .212158 + .000588 + .229238 + .229238 = .942883.
        // Unbiased: std = sqrt(.942883/4) = .485511 → thr .964299 → only x = 16 positive.
        // (Biased sqrt(.942883/5) = .434254 → thr .913042 would also take x = 17.)
        using var scope = NewDisposeScope();
        var points = Rows(2, 16, 16, 17, 16, 28, 16, 48, 16, 49, 16);
        var strides = full(5, 4f);
        using var r = new AtssAssigner().Assign(points, strides, new[] { 5 }, Rows(4, 0, 0, 32, 32), Longs(0), K);
        Assert.Equal(new[] { 0 }, Indices(r.PositiveMask));
    }

    [Fact]
    public void Candidate_above_threshold_but_not_strictly_inside_is_negative()
    {
        // One level, stride 4 (side 32), points x = 33, 70, 90 at y = 16; only x = 33 overlaps the gt.
        // With candidate IoUs (a, 0, 0): mean a/3, std (unbiased) a/√3 → thr = a·(1/3 + 1/√3) = .910684·a ≤ a.
        // gt (0,0,34,32): x = 33 has r = 1 px; anchor (17,0,49,32) overlap 17·32 = 544, union 1024+1088−544 = 1568
        //   → a = .346939 ≥ thr .315951 and inside → positive.
        // gt (0,0,33.005,32): r = .005 ≤ .01 → negative although a = 512.16/1568 = .326633 ≥ thr .297464.
        using var scope = NewDisposeScope();
        var points = Rows(2, 33, 16, 70, 16, 90, 16);
        var strides = full(3, 4f);
        using var inside = new AtssAssigner().Assign(points, strides, new[] { 3 }, Rows(4, 0, 0, 34, 32), Longs(0), K);
        Assert.Equal(new[] { 0 }, Indices(inside.PositiveMask));
        using var edge = new AtssAssigner().Assign(points, strides, new[] { 3 }, Rows(4, 0, 0, 33.005f, 32), Longs(0), K);
        Assert.Empty(Indices(edge.PositiveMask));
    }

    [Fact]
    public void Valid_mask_equals_assigning_on_the_valid_subset()
    {
        // Padding a1 (level 0) and a7 (level 1) must give the same decisions as running on the
        // remaining anchors with level counts (4, 2).
        using var scope = NewDisposeScope();
        var (points, strides, gtBoxes, gtLabels) = Scene();
        var valid = tensor(new[] { true, false, true, true, true, true, true, false });
        using var masked = new AtssAssigner().Assign(points, strides, Levels, gtBoxes, gtLabels, K, valid);
        var keep = Longs(0, 2, 3, 4, 5, 6);
        using var subset = new AtssAssigner().Assign(points.index_select(0, keep), strides.index_select(0, keep),
            new[] { 4, 2 }, gtBoxes, gtLabels, K);
        Assert.Equal(LongArray(subset.AssignedGt), LongArray(masked.AssignedGt.index_select(0, keep)));
        Assert.Equal(-1, LongArray(masked.AssignedGt)[1]);
        Assert.Equal(new float[] { 1, 0, 1, 1, 1, 1, 1, 0 }, Floats(masked.LabelWeights));
    }

    [Fact]
    public void Image_without_gts_is_all_negative()
    {
        using var scope = NewDisposeScope();
        var (points, strides, _, _) = Scene();
        using var r = new AtssAssigner().Assign(points, strides, Levels, zeros(0, 4), zeros(0, dtype: ScalarType.Int64), K);
        Assert.Empty(Indices(r.PositiveMask));
        Assert.All(LongArray(r.Labels), l => Assert.Equal(K, l));
    }

    [Fact]
    public void Level_counts_must_match_the_anchors()
    {
        using var scope = NewDisposeScope();
        var (points, strides, gtBoxes, gtLabels) = Scene();
        Assert.Throws<ArgumentException>(() =>
            new AtssAssigner().Assign(points, strides, new[] { 5, 2 }, gtBoxes, gtLabels, K));
    }
}
