using Tood.Realtime.Evaluation;
using Xunit;

namespace Tood.Tests.Realtime.Evaluation;

/// <summary>
/// Hand-computed COCO cases. Notation: per (category, area, maxDet, IoU threshold) the detections of all
/// images are sorted by score; tp/fp are cumulative; rc = tp/npig; pr = tp/(tp+fp+eps) with
/// eps = np.spacing(1) = 2⁻⁵² (so a "perfect" precision is 1/(1+eps) = 1−2⁻⁵², not 1); pr is made
/// monotone right-to-left and read at the first index with rc ≥ r for r = 0, .01, …, 1 (0 past the end).
/// AP is the mean over the 10 IoU thresholds × 101 recall thresholds × categories with gt.
/// </summary>
public class CocoEvaluatorTests
{
    private const double Tol = 1e-12;
    private const double Eps = 2.220446049250313e-16;
    /// <summary>Precision of a run of only true positives: 1/(1+eps).</summary>
    private const double P1 = 1.0 / (1.0 + Eps);

    [Fact]
    public void Perfect_detections_give_AP_and_AR_one_and_minus_one_for_empty_area_ranges()
    {
        // 3 images, 2 categories, one gt per (image, category); all small or medium, none large.
        // Every detection is the gt box itself (IoU 1 ≥ every threshold) → all TP, precision 1/(1+eps)
        // at every recall threshold → AP = P1 everywhere; recall 1 → AR = 1; large has no gt → −1.
        var s = new Scene(3, 1, 2);
        s.AddGt(1, 1, 10, 10, 20, 20).AddGt(1, 2, 100, 100, 50, 40)   // 400 small, 2000 medium
         .AddGt(2, 1, 5, 5, 30, 30).AddGt(2, 2, 200, 200, 60, 60)     // 900 small, 3600 medium
         .AddGt(3, 1, 0, 0, 8, 8).AddGt(3, 2, 300, 300, 90, 90);      // 64 small, 8100 medium
        double score = 0.99;
        foreach (var g in s.Gt.Annotations) { s.AddDet(g.ImageId, g.CategoryId, g.Bbox[0], g.Bbox[1], g.Bbox[2], g.Bbox[3], score); score -= 0.1; }

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        Assert.Equal(P1, st.AP, Tol); Assert.Equal(P1, st.AP50, Tol); Assert.Equal(P1, st.AP75, Tol);
        Assert.Equal(P1, st.APSmall, Tol); Assert.Equal(P1, st.APMedium, Tol);
        Assert.Equal(-1.0, st.APLarge);
        Assert.Equal(1.0, st.AR1); Assert.Equal(1.0, st.AR10); Assert.Equal(1.0, st.AR100);
        Assert.Equal(1.0, st.ARSmall); Assert.Equal(1.0, st.ARMedium);
        Assert.Equal(-1.0, st.ARLarge);
    }

    [Fact]
    public void Detection_at_IoU_exactly_point_seven_matches_thresholds_50_to_70_only()
    {
        // gt [0,0,17,10] (area 170); det shifted right by 3: overlap 14×10 = 140, union 170+170−140 = 200,
        // IoU = 140/200 = 0.7 (the double nearest 0.7). np.linspace(.5,.95,10)[4] is that same double
        // (see CocoEvalParamsTests), so IoU ≥ t for t = .50,.55,.60,.65,.70 (5 of 10) and < .75.
        // One gt, one det: a matched threshold gives precision P1 at all 101 recall thresholds
        // (rc = 1 ≥ every r), an unmatched one gives 0 → AP = 5/10·P1, AP50 = P1, AP75 = 0.
        var s = new Scene(1, 1).AddGt(1, 1, 0, 0, 17, 10).AddDet(1, 1, 3, 0, 17, 10, 0.9);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        Assert.Equal(0.5 * P1, st.AP, Tol);
        Assert.Equal(P1, st.AP50, Tol);
        Assert.Equal(0.0, st.AP75);
        Assert.Equal(0.5, st.AR100, Tol); // recall 1 at 5 thresholds, 0 at 5
    }

    [Fact]
    public void Duplicate_detection_is_a_false_positive()
    {
        // gts A, B in one image. dets: A (0.9), duplicate of A (0.8), B (0.7); all IoU 1.
        // tp = [1,1,2], fp = [0,1,1] → rc = [.5,.5,1], pr = [1/(1+eps), 1/(2+eps), 2/(3+eps)]
        // envelope = [P1, 2/(3+eps), 2/(3+eps)]. r = 0..0.50 (51 thresholds; linspace[50] = 0.5 exactly,
        // and rc = .5 ≥ .5) read index 0 → P1; r = .51..1 (50) read index 2 → 2/(3+eps).
        // AP = (51·P1 + 50·2/(3+eps))/101 ≈ 253/303 at every IoU threshold. Without the duplicate it would be 1.
        var s = new Scene(1, 1)
            .AddGt(1, 1, 0, 0, 40, 40).AddGt(1, 1, 100, 100, 40, 40)
            .AddDet(1, 1, 0, 0, 40, 40, 0.9).AddDet(1, 1, 0, 0, 40, 40, 0.8).AddDet(1, 1, 100, 100, 40, 40, 0.7);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        double expected = (51 * P1 + 50 * (2.0 / (3.0 + Eps))) / 101;
        Assert.Equal(expected, st.AP, Tol);
        Assert.Equal(253.0 / 303.0, st.AP, 1e-9);
        Assert.Equal(expected, st.AP50, Tol);
        Assert.Equal(expected, st.AP75, Tol);
        Assert.Equal(1.0, st.AR100);
        Assert.Equal(0.5, st.AR1); // maxDet 1: only the 0.9 detection → 1 of 2 gts
    }

    [Fact]
    public void Detections_on_a_crowd_region_are_ignored_not_false_positives()
    {
        // Regular gt G [0,0,10,10]; crowd gt C [50,50,40,40]. Two higher-scored dets fully inside C:
        // crowd IoU = intersection / det area = 1 (plain IoU would be 100/1600 and 400/1600), both match C
        // (a crowd gt can be matched repeatedly) and inherit its ignore flag. Then the det on G (0.8).
        // tp = [0,0,1], fp = [0,0,0] → pr = [0,0,P1] → envelope P1 everywhere → AP = P1.
        // (Were they FPs: fp = [1,2,2], pr ends at 1/3, AP = 1/3.)
        var s = new Scene(1, 1)
            .AddGt(1, 1, 0, 0, 10, 10).AddGt(1, 1, 50, 50, 40, 40, crowd: true)
            .AddDet(1, 1, 55, 55, 10, 10, 0.95).AddDet(1, 1, 60, 60, 20, 20, 0.9).AddDet(1, 1, 0, 0, 10, 10, 0.8);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        Assert.Equal(P1, st.AP, Tol);
        Assert.Equal(1.0, st.AR100); // npig = 1: the crowd gt is not counted
    }

    [Fact]
    public void Crowd_IoU_divides_by_detection_area()
    {
        // Crowd C [50,50,40,40], regular G [0,0,10,10]. det D1 (0.9) = [40,50,20,20]: overlap
        // (60−50)×(70−50) = 200, det area 400 → crowd IoU 0.5 exactly (plain IoU 200/1800 ≈ .11).
        // t = .50: D1 matches C → ignored; det on G (0.8) TP → AP_.50 = P1.
        // t ≥ .55: D1 unmatched → FP: tp = [0,1], fp = [1,1], pr = [0, 1/(2+eps)] → envelope 1/(2+eps) at
        // all r → AP_t = 1/(2+eps). AP = (P1 + 9/(2+eps))/10 ≈ 0.55, AP50 = P1, AP75 ≈ 0.5.
        var s = new Scene(1, 1)
            .AddGt(1, 1, 50, 50, 40, 40, crowd: true).AddGt(1, 1, 0, 0, 10, 10)
            .AddDet(1, 1, 40, 50, 20, 20, 0.9).AddDet(1, 1, 0, 0, 10, 10, 0.8);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        double half = 1.0 / (2.0 + Eps);
        Assert.Equal(P1, st.AP50, Tol);
        Assert.Equal(half, st.AP75, Tol);
        Assert.Equal((P1 + 9 * half) / 10, st.AP, Tol);
    }

    [Fact]
    public void Area_ranges_put_gts_in_the_right_bucket_and_ignore_unmatched_out_of_range_detections()
    {
        // One image: gts S (10×10 = 100, small), M (50×50 = 2500, medium), L (200×200 = 40000, large).
        // dets: F far away 5×5 (area 25, 0.95, matches nothing), on S (0.9), on M (0.8); nothing on L.
        // small : npig 1; F small & unmatched → FP; S TP; M-det matches M (ignored here) → ignored.
        //         tp=[0,1,1] fp=[1,1,1] → envelope 1/(2+eps) → APs = 1/(2+eps); ARs = 1.
        // medium: F out of range & unmatched → ignored; S-det matches S (ignored) → ignored; M TP
        //         → tp=[0,0,1], fp=0 → APm = P1; ARm = 1.
        // large : everything ignored, L unmatched → APl = 0, ARl = 0.
        // all   : npig 3; tp=[0,1,2] fp=[1,1,1] rc=[0,1/3,2/3] pr=[0,1/(2+eps),2/(3+eps)] → envelope 2/(3+eps);
        //         r = 0..0.66 (67 thresholds, .66 ≤ 2/3 < .67) read it, r ≥ .67 read 0 → AP = 67/101·2/(3+eps).
        //         AR100 = 2/3; AR1: only F (the image's best score) → 0; AR10 = 2/3.
        var s = new Scene(1, 1)
            .AddGt(1, 1, 0, 0, 10, 10).AddGt(1, 1, 100, 100, 50, 50).AddGt(1, 1, 300, 300, 200, 200)
            .AddDet(1, 1, 600, 600, 5, 5, 0.95).AddDet(1, 1, 0, 0, 10, 10, 0.9).AddDet(1, 1, 100, 100, 50, 50, 0.8);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        Assert.Equal(1.0 / (2.0 + Eps), st.APSmall, Tol);
        Assert.Equal(P1, st.APMedium, Tol);
        Assert.Equal(0.0, st.APLarge);
        Assert.Equal(67.0 / 101.0 * (2.0 / (3.0 + Eps)), st.AP, Tol);
        Assert.Equal(1.0, st.ARSmall); Assert.Equal(1.0, st.ARMedium); Assert.Equal(0.0, st.ARLarge);
        Assert.Equal(2.0 / 3.0, st.AR100, Tol);
        Assert.Equal(0.0, st.AR1);
        Assert.Equal(2.0 / 3.0, st.AR10, Tol);
    }

    [Fact]
    public void Gt_area_field_not_box_size_decides_the_area_range()
    {
        // A 10×10 box whose annotation says area 5000 (e.g. from a segmentation) is "medium" for the gt,
        // while the detection's area is w·h = 100. Matched, so the det is not range-ignored: APm = P1, APs = −1.
        var s = new Scene(1, 1).AddGt(1, 1, 0, 0, 10, 10, area: 5000).AddDet(1, 1, 0, 0, 10, 10, 0.9);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        Assert.Equal(P1, st.APMedium, Tol);
        Assert.Equal(-1.0, st.APSmall);
    }

    [Fact]
    public void MaxDets_limit_detections_per_image_for_AR1_and_AR10()
    {
        // Image 1: 3 gts with exact dets scored .9,.8,.7. Image 2: 1 gt with an exact det .95. npig = 4.
        // maxDet 1 keeps only the best det per image: 2 TPs → AR1 = 2/4; maxDet 10 keeps all → AR10 = 1.
        var s = new Scene(2, 1)
            .AddGt(1, 1, 0, 0, 40, 40).AddGt(1, 1, 100, 0, 40, 40).AddGt(1, 1, 200, 0, 40, 40).AddGt(2, 1, 0, 0, 40, 40)
            .AddDet(1, 1, 0, 0, 40, 40, 0.9).AddDet(1, 1, 100, 0, 40, 40, 0.8).AddDet(1, 1, 200, 0, 40, 40, 0.7)
            .AddDet(2, 1, 0, 0, 40, 40, 0.95);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        Assert.Equal(0.5, st.AR1);
        Assert.Equal(1.0, st.AR10);
        Assert.Equal(1.0, st.AR100);
        Assert.Equal(P1, st.AP, Tol);
    }

    [Theory]
    // 99 higher-scored FPs + the TP ranked 100th: kept. tp reaches 1 only at index 99 → pr = 1/(100+eps),
    // envelope 1/(100+eps) at every r → AP = 1/(100+eps); recall 1.
    [InlineData(99, 1.0 / (100.0 + Eps), 1.0)]
    // 100 higher-scored FPs: the TP is the 101st and is cut by maxDets[-1] = 100 → AP 0, recall 0.
    [InlineData(100, 0.0, 0.0)]
    public void Only_the_100_best_detections_per_image_and_category_count(int numFalsePositives, double ap, double ar100)
    {
        var s = new Scene(1, 1).AddGt(1, 1, 0, 0, 20, 20);
        for (int i = 0; i < numFalsePositives; i++) s.AddDet(1, 1, 500 + 3 * i, 500, 2, 2, 0.99 - i * 1e-4);
        s.AddDet(1, 1, 0, 0, 20, 20, 0.1);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        Assert.Equal(ap, st.AP, Tol);
        Assert.Equal(ar100, st.AR100);
    }

    [Fact]
    public void Category_without_detections_scores_zero_and_category_without_gt_is_excluded()
    {
        // cat 1: one gt, exact det → AP_1 = P1. cat 2: one gt, no det → precision 0 at all (t, r), AP_2 = 0.
        // cat 3: no gt, no det → −1 entries, excluded from the mean. AP = (P1 + 0)/2; AR100 = (1 + 0)/2.
        var s = new Scene(1, 1, 2, 3).AddGt(1, 1, 0, 0, 30, 30).AddGt(1, 2, 100, 100, 30, 30).AddDet(1, 1, 0, 0, 30, 30, 0.7);

        var ev = new CocoEvaluator(s.Gt).EvaluateDetailed(s.Dets);

        Assert.Equal(P1 / 2, ev.Stats.AP, Tol);
        Assert.Equal(0.5, ev.Stats.AR100);
        Assert.Equal(P1, ev.PerCategory[0].AP, Tol);
        Assert.Equal(0.0, ev.PerCategory[1].AP);
        Assert.Equal(-1.0, ev.PerCategory[2].AP);
        Assert.Equal([1, 2, 3], ev.PerCategory.Select(c => c.CategoryId));
        Assert.Equal(1, ev.PerCategory[1].NumGt);
    }

    [Fact]
    public void Detections_on_an_image_without_gt_of_that_category_are_false_positives()
    {
        // Image 1: gt + exact det scored .5. Image 2: no gt of cat 1, det scored .9 → FP, ranked first.
        // tp = [0,1], fp = [1,1] → envelope 1/(2+eps) at every r → AP = 1/(2+eps); AR100 = 1.
        var s = new Scene(2, 1).AddGt(1, 1, 0, 0, 50, 50).AddDet(2, 1, 0, 0, 50, 50, 0.9).AddDet(1, 1, 0, 0, 50, 50, 0.5);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        Assert.Equal(1.0 / (2.0 + Eps), st.AP, Tol);
        Assert.Equal(1.0, st.AR100);
    }

    [Fact]
    public void Equal_scores_across_images_keep_image_id_order()
    {
        // Two dets with the same score 0.5: FP on image 1 (no gt there), TP on image 2. The merged sort is
        // stable over the concatenation in sorted image-id order → FP first: tp=[0,1], fp=[1,1] →
        // AP = 1/(2+eps). (TP first would give AP = P1.) Detection input order is deliberately reversed.
        var s = new Scene(2, 1).AddGt(2, 1, 0, 0, 50, 50).AddDet(2, 1, 0, 0, 50, 50, 0.5).AddDet(1, 1, 0, 0, 50, 50, 0.5);

        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);

        Assert.Equal(1.0 / (2.0 + Eps), st.AP, Tol);
    }

    [Fact]
    public void Gt_with_annotation_id_zero_reproduces_the_pycocotools_quirk()
    {
        // evaluateImg stores the matched gt *id* in dtMatches and accumulate tests it for truthiness, so a
        // detection matched to a gt whose id is 0 counts as unmatched: an FP (the gt is still consumed).
        // One gt (id 0), one exact det → tp = 0, fp = 1 → AP = 0, AR = 0. With id 1 it would be P1 and 1.
        var s = new Scene(1, 1).AddGt(1, 1, 0, 0, 50, 50).AddDet(1, 1, 0, 0, 50, 50, 0.9);
        s.Gt.Annotations[0].Id = 0;
        var st = CocoEvaluator.Evaluate(s.Gt, s.Dets);
        Assert.Equal(0.0, st.AP);
        Assert.Equal(0.0, st.AR100);
        s.Gt.Annotations[0].Id = 1;
        Assert.Equal(P1, CocoEvaluator.Evaluate(s.Gt, s.Dets).AP, Tol);
    }

    [Fact]
    public void No_detections_at_all_gives_zero_and_unknown_ids_are_rejected()
    {
        var s = new Scene(1, 1).AddGt(1, 1, 0, 0, 50, 50);
        var st = CocoEvaluator.Evaluate(s.Gt, []);
        Assert.Equal(0.0, st.AP);
        Assert.Equal(0.0, st.AR100);

        var badImage = new Scene(1, 1).AddDet(7, 1, 0, 0, 5, 5, 0.5);
        var e1 = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(s.Gt, badImage.Dets));
        Assert.Contains("image_id 7", e1.Message, StringComparison.Ordinal);
        var badCat = new Scene(1, 1).AddDet(1, 9, 0, 0, 5, 5, 0.5);
        var e2 = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(s.Gt, badCat.Dets));
        Assert.Contains("category_id 9", e2.Message, StringComparison.Ordinal);
    }
}
