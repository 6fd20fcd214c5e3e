using Tood.Realtime.Evaluation;
using Xunit;

namespace Tood.Tests.Realtime.Evaluation;

/// <summary>The threshold grids must be the exact doubles NumPy produces; hand derivations in comments.</summary>
public class CocoEvalParamsTests
{
    [Fact]
    public void Iou_thresholds_are_numpy_linspace_doubles()
    {
        // step = (0.95 − 0.5)/9: 0.95d − 0.5 = 0.44999999999999995559… exactly; /9 rounds to 0.05d − 2⁻⁵⁷.
        // t_i = round(round(i·step) + 0.5). Worked cases:
        //  i=4: 4·step = 0.2d − 2⁻⁵⁵ = 0.19999999999999998335 (exact); +0.5 → nearest double is 0.7d
        //       (0.69999999999999995559, 2.8e-17 away; the next double is 8.3e-17 away).
        //  i=5: 5·step rounds to 0.25 − 2⁻⁵⁵; +0.5 = 0.75 − 2⁻⁵⁵ rounds to 0.75 (AP75's np.where finds it).
        //  i=6: 6·step rounds to 0.3d; 0.3d + 0.5 is exactly halfway between 0.8d and its predecessor;
        //       ties-to-even picks 0.8d (mantissa …9A is even).
        //  i=8: 8·step = 0.4d − 2⁻⁵⁴ (exact); +0.5 = 0.9d − 2⁻⁵⁴ is halfway between 0.9d (mantissa …CD, odd)
        //       and 0.9d − 2⁻⁵³ (even) → 0.8999999999999999, NOT 0.9d.
        //  i=9: endpoint is set to stop exactly.
        var t = CocoEvalParams.IouThresholds.ToArray();
        Assert.Equal(10, t.Length);
        Assert.Equal(0.5, t[0]);
        Assert.Equal(0.55, t[1]);
        Assert.Equal(0.6, t[2]);
        Assert.Equal(0.65, t[3]);
        Assert.Equal(0.7, t[4]);
        Assert.Equal(0.75, t[5]);
        Assert.Equal(0.8, t[6]);
        Assert.Equal(0.85, t[7]);
        Assert.Equal(0.8999999999999999, t[8]);
        Assert.Equal(0.9 - Math.Pow(2, -53), t[8]);
        Assert.Equal(0.95, t[9]);
    }

    [Fact]
    public void Recall_thresholds_are_numpy_linspace_doubles()
    {
        // r_i = i·0.01d (+0.0). r_50 = 50·0.01d = 0.5 + 1.04e-17 → rounds to 0.5; r_3 = 3·0.01d is a tie
        // broken to the even mantissa = 0.03d; r_100 is the endpoint 1.0.
        var r = CocoEvalParams.RecallThresholds.ToArray();
        Assert.Equal(101, r.Length);
        Assert.Equal(0.0, r[0]);
        Assert.Equal(0.01, r[1]);
        Assert.Equal(0.03, r[3]);
        Assert.Equal(0.5, r[50]);
        Assert.Equal(1.0, r[100]);
        for (int i = 1; i < r.Length; i++) Assert.True(r[i] > r[i - 1]);
    }

    [Fact]
    public void Area_ranges_and_max_dets_are_the_coco_ones()
    {
        var a = CocoEvalParams.AreaRanges;
        Assert.Equal(["all", "small", "medium", "large"], a.Select(x => x.Label));
        Assert.Equal((0.0, 1e10), (a[0].Min, a[0].Max));
        Assert.Equal((0.0, 1024.0), (a[1].Min, a[1].Max));
        Assert.Equal((1024.0, 9216.0), (a[2].Min, a[2].Max));
        Assert.Equal((9216.0, 1e10), (a[3].Min, a[3].Max));
        // inclusive at both ends: a 32×32 gt is both small and medium (pycocotools: area < lo or area > hi → ignore)
        Assert.True(a[1].Contains(1024) && a[2].Contains(1024));
        Assert.Equal([1, 10, 100], CocoEvalParams.MaxDets.ToArray());
    }

    [Fact]
    public void Numpy_pairwise_sum_differs_from_a_running_sum_where_numpy_does()
    {
        // 16 values: a0 = 1e17, a7 = −1e17, a8 = 1, rest 0. NumPy's 8 partial sums: r0 = 1e17 + 1 = 1e17
        // (1 is below half an ulp of 1e17), r7 = −1e17 → total 0. A running sum gives 1e17 − 1e17 + 1 = 1.
        var v = new double[16];
        v[0] = 1e17; v[7] = -1e17; v[8] = 1;
        Assert.Equal(0.0, NumpyCompat.PairwiseSum(v));
        double running = 0; foreach (var x in v) running += x;
        Assert.Equal(1.0, running);
        // n < 8: a plain running sum.
        Assert.Equal(1.0, NumpyCompat.PairwiseSum([1e17, -1e17, 1]));
        Assert.Equal(2.5, NumpyCompat.Mean([1.0, 2.0, 3.0, 4.0]));
    }

    [Fact]
    public void Box_iou_matches_maskApi_bbIou()
    {
        // [0,0,10,10] vs [5,0,10,10]: overlap 5×10 = 50, union 150 → 1/3; crowd → 50/100 (det area).
        Assert.Equal(50.0 / 150.0, BoxIou.Compute([5, 0, 10, 10], [0, 0, 10, 10], false));
        Assert.Equal(0.5, BoxIou.Compute([5, 0, 10, 10], [0, 0, 10, 10], true));
        // touching edges: w = 0 → 0
        Assert.Equal(0.0, BoxIou.Compute([10, 0, 10, 10], [0, 0, 10, 10], false));
    }
}
