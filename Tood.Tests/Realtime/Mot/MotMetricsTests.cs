using Tood.Realtime.Mot;
using Xunit;

namespace Tood.Tests.Realtime.Mot;

/// <summary>CLEAR MOT and identity metrics on hand-built sequences; every expected number is worked out in the comments.</summary>
public class MotMetricsTests
{
    /// <summary>A 10×10 box at (x, y).</summary>
    private static MotRecord B(int frame, int id, float x, float y = 0, float w = 10, float h = 10, float flag = 1) => new(frame, id, x, y, w, h, flag);

    private static MotMetrics Score(MotRecord[] gt, MotRecord[] hyp) => MotAccumulator.Evaluate(gt, hyp);

    [Fact]
    public void Perfect_tracking_scores_one()
    {
        var gt = new[] { B(1, 1, 0), B(1, 2, 50), B(2, 1, 5), B(2, 2, 45), B(3, 1, 10), B(3, 2, 40) };
        var hyp = gt.Select(r => r with { Id = r.Id + 10 }).ToArray();
        var m = Score(gt, hyp);
        Assert.Equal((6L, 6L, 0L, 0L, 0L), (m.GroundTruth, m.Matches, m.FalseNegatives, m.FalsePositives, m.IdSwitches));
        Assert.Equal(1, m.Mota);
        Assert.Equal(1, m.Idf1);
        Assert.Equal(1, m.Motp);
        Assert.Equal(2, m.MostlyTracked);
    }

    [Fact]
    public void One_object_handed_to_a_second_hypothesis_is_one_switch_and_halves_idf1()
    {
        // GT 1 over 4 frames; hypothesis 7 covers frames 1–2, hypothesis 8 frames 3–4 (same boxes).
        // CLEAR: 4 matches, 1 switch (frame 3) → MOTA = 1 − 1/4. Identity: (1,7) = 2, (1,8) = 2 → IDTP = 2,
        // IDF1 = 2·2 / (4 + 4) = 0.5, IDP = IDR = 0.5. No miss, so no fragmentation.
        var gt = Enumerable.Range(1, 4).Select(f => B(f, 1, 10 * f)).ToArray();
        var hyp = gt.Select(r => r with { Id = r.Frame <= 2 ? 7 : 8 }).ToArray();
        var m = Score(gt, hyp);
        Assert.Equal((1L, 0L, 0L, 0L), (m.IdSwitches, m.FalseNegatives, m.FalsePositives, m.Fragmentations));
        Assert.Equal(0.75, m.Mota, 12);
        Assert.Equal(2, m.IdTruePositives);
        Assert.Equal(0.5, m.Idf1, 12);
        Assert.Equal(0.5, m.Idp, 12);
        Assert.Equal(0.5, m.Idr, 12);
    }

    [Fact]
    public void A_missed_frame_is_one_false_negative_and_one_fragmentation()
    {
        // GT 1 over 5 frames, found in all but frame 3: FN 1, MOTA = 1 − 1/5 = 0.8;
        // IDTP = 4 → IDF1 = 2·4 / (5 + 4) = 8/9; coverage 4/5 = 80 % → mostly tracked.
        var gt = Enumerable.Range(1, 5).Select(f => B(f, 1, 3 * f)).ToArray();
        var hyp = gt.Where(r => r.Frame != 3).Select(r => r with { Id = 4 }).ToArray();
        var m = Score(gt, hyp);
        Assert.Equal((1L, 0L, 0L, 1L), (m.FalseNegatives, m.FalsePositives, m.IdSwitches, m.Fragmentations));
        Assert.Equal(0.8, m.Mota, 12);
        Assert.Equal(8.0 / 9, m.Idf1, 12);
        Assert.Equal(1, m.MostlyTracked);
    }

    [Fact]
    public void Crossing_with_swapped_ids_counts_two_switches_and_overlaps_in_the_identity_counts()
    {
        // A moves right (x = 0,5,10,15,20), B left (x = 20,15,10,5,0, one pixel lower); at frame 3 they overlap with
        // IoU 90/110 = 0.82. Hypothesis 1 follows A up to frame 3 then B; hypothesis 2 the reverse.
        // CLEAR: frame 3 keeps both pairs (continuity, exact boxes); frame 4: both objects get the other hypothesis
        // → 2 switches, MOTA = 1 − 2/10 = 0.8.
        // Identity: at frame 3 every (object, hypothesis) pair overlaps ≥ 0.5, so (A,1) = 3, (A,2) = 1 + 2 = 3,
        // (B,1) = 3, (B,2) = 3 → IDTP = 6, IDF1 = 12 / 20 = 0.6.
        var gt = new List<MotRecord>();
        var hyp = new List<MotRecord>();
        for (int f = 1; f <= 5; f++)
        {
            var a = B(f, 1, 5 * (f - 1));
            var b = B(f, 2, 20 - 5 * (f - 1), y: 1);
            gt.Add(a); gt.Add(b);
            hyp.Add((f <= 3 ? a : b) with { Id = 1 });
            hyp.Add((f <= 3 ? b : a) with { Id = 2 });
        }
        var m = Score([.. gt], [.. hyp]);
        Assert.Equal((2L, 10L, 0L, 0L), (m.IdSwitches, m.Matches, m.FalseNegatives, m.FalsePositives));
        Assert.Equal(0.8, m.Mota, 12);
        Assert.Equal(6, m.IdTruePositives);
        Assert.Equal(0.6, m.Idf1, 12);
    }

    [Fact]
    public void An_object_keeps_its_previous_hypothesis_while_it_still_overlaps_even_if_another_fits_better()
    {
        // Frame 1: object 1 = hypothesis 1. Frame 2: hypothesis 1 shifted by 2 px (IoU 80/120 = 2/3), hypothesis 2 exact.
        // Continuity keeps (1,1); hypothesis 2 is a false positive: MOTA = 1 − 1/2, MOTP = (1 + 2/3) / 2.
        var gt = new[] { B(1, 1, 0), B(2, 1, 0) };
        var hyp = new[] { B(1, 1, 0), B(2, 1, 2), B(2, 2, 0) };
        var m = Score(gt, hyp);
        Assert.Equal((0L, 1L, 2L), (m.IdSwitches, m.FalsePositives, m.Matches));
        Assert.Equal(0.5, m.Mota, 12);
        Assert.Equal((1 + 2.0 / 3) / 2, m.Motp, 6);

        // Without the history (frame 2 alone) the better box wins.
        var acc = new MotAccumulator();
        acc.AddFrame([B(2, 1, 0)], [B(2, 1, 2), B(2, 2, 0)]);
        var alone = acc.Compute();
        Assert.Equal(1.0, alone.Motp, 12);
    }

    [Fact]
    public void A_new_hypothesis_after_a_gap_is_still_a_switch()
    {
        // Object 1 in 3 frames: hypothesis 1 in frame 1, nothing in frame 2, hypothesis 2 in frame 3.
        // The last match persists across the gap: 1 switch, 1 miss → MOTA = 1 − 2/3; one fragmentation;
        // IDTP = 1 → IDF1 = 2 / (3 + 2) = 0.4.
        var gt = new[] { B(1, 1, 0), B(2, 1, 0), B(3, 1, 0) };
        var hyp = new[] { B(1, 1, 0), B(3, 2, 0) };
        var m = Score(gt, hyp);
        Assert.Equal((1L, 1L, 1L), (m.IdSwitches, m.FalseNegatives, m.Fragmentations));
        Assert.Equal(1.0 / 3, m.Mota, 12);
        Assert.Equal(0.4, m.Idf1, 12);
    }

    [Fact]
    public void Identity_mapping_is_global_not_greedy()
    {
        // A in frames 1–5 (x = 0), B in frames 4–5 (x = 50). Hypothesis 1 is on A in frames 1–3 and on B in 4–5,
        // hypothesis 2 on A in 4–5. Overlaps: (A,1) = 3, (A,2) = 2, (B,1) = 2. Greedy (largest first) would take
        // (A,1) alone: IDTP 3; the optimum is (A,2) + (B,1): IDTP 4 → IDF1 = 2·4 / (7 + 7).
        // CLEAR: frame 4 gives A hypothesis 2 (a switch) and B hypothesis 1 → MOTA = 1 − 1/7.
        var gt = Enumerable.Range(1, 5).Select(f => B(f, 1, 0)).Concat([B(4, 2, 50), B(5, 2, 50)]).ToArray();
        var hyp = new[] { B(1, 1, 0), B(2, 1, 0), B(3, 1, 0), B(4, 1, 50), B(5, 1, 50), B(4, 2, 0), B(5, 2, 0) };
        var m = Score(gt, hyp);
        Assert.Equal(4, m.IdTruePositives);
        Assert.Equal(8.0 / 14, m.Idf1, 12);
        Assert.Equal(1, m.IdSwitches);
        Assert.Equal(1 - 1.0 / 7, m.Mota, 12);
    }

    [Fact]
    public void Iou_of_exactly_one_half_matches_and_just_below_does_not()
    {
        // (0,0,10,10) vs (0,0,10,20): IoU 100/200 = 0.5 → match. vs (0,0,10,20.5): 100/205 → miss + false positive.
        Assert.Equal(1, Score([B(1, 1, 0)], [B(1, 1, 0, h: 20)]).Matches);
        var m = Score([B(1, 1, 0)], [B(1, 1, 0, h: 20.5f)]);
        Assert.Equal((0L, 1L, 1L), (m.Matches, m.FalseNegatives, m.FalsePositives));
        Assert.Equal(-1, m.Mota, 12);
    }

    [Fact]
    public void Ignored_ground_truth_and_the_hypotheses_on_it_are_not_scored()
    {
        // Object 1 (scored) found; object 2 is flagged 0 and has a hypothesis on it; hypothesis 3 is on nothing.
        // Scored: GT 1, hypotheses 2 (1 and 3): FP 1 (only hypothesis 3), MOTA = 1 − 1/1 = 0.
        var gt = new[] { B(1, 1, 0), B(1, 2, 50, flag: 0) };
        var hyp = new[] { B(1, 1, 0), B(1, 2, 50), B(1, 3, 100) };
        var m = Score(gt, hyp);
        Assert.Equal((1L, 2L, 1L, 0L), (m.GroundTruth, m.Hypotheses, m.FalsePositives, m.FalseNegatives));
        Assert.Equal(0, m.Mota, 12);
        Assert.Equal(1, m.GroundTruthIds);
    }

    [Fact]
    public void Duplicate_ids_in_a_frame_are_rejected_with_the_frame_named()
    {
        var e = Assert.Throws<InvalidDataException>(() => Score([B(3, 1, 0), B(3, 1, 50)], []));
        Assert.Equal("frame 3: ID 1 appears twice in the ground truth", e.Message);
    }

    [Fact]
    public void Mot_files_round_trip_and_bad_rows_name_file_and_line()
    {
        var dir = Directory.CreateTempSubdirectory("tood-mot-").FullName;
        try
        {
            var gtPath = Path.Combine(dir, "gt.txt");
            MotFile.WriteGroundTruth(gtPath, [new MotRecord(2, 5, 1.5f, 2.25f, 30, 40, 0, 3, 0.25f), new MotRecord(1, 7, 0, 0, 10, 10, 1, 1, 1)]);
            Assert.Equal(["1,7,0,0,10,10,1,1,1", "2,5,1.5,2.25,30,40,0,3,0.25"], File.ReadAllLines(gtPath));
            var back = MotFile.Read(gtPath);
            Assert.Equal(new MotRecord(2, 5, 1.5f, 2.25f, 30, 40, 0, 3, 0.25f), back[1]);
            Assert.True(back[1].Ignored);

            var bad = Path.Combine(dir, "bad.txt");
            File.WriteAllLines(bad, ["1,1,0,0,10,10,0.9,-1,-1,-1", "", "0,1,0,0,10,10"]);
            var e = Assert.Throws<InvalidDataException>(() => MotFile.Read(bad));
            Assert.StartsWith($"{bad}:3: expected frame,id,left,top,width,height", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
