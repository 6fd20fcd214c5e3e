using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;
using Xunit;

namespace Tood.Tests.Realtime.Evaluation;

/// <summary>
/// Self-consistency: random scenes scored by the optimised evaluator and by a slow, direct transcription of
/// the COCO definition written here independently (LINQ, one (category, area, maxDet, threshold) at a time,
/// matching redone per maxDet, interpolated precision as "max precision at recall ≥ r", plain mean).
/// </summary>
public class CocoEvalReferenceTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]  // integer boxes: IoUs like .5/.6/.7/.75 land exactly on thresholds
    [InlineData(4, true)]
    public void Random_scene_matches_brute_force_reference(int seed, bool integerBoxes)
    {
        var (gt, dets) = RandomScene(seed, integerBoxes);

        var ev = new CocoEvaluator(gt).EvaluateDetailed(dets);
        var (refStats, refPerCat) = Reference(gt, dets);

        var got = ev.Stats.ToArray();
        for (int i = 0; i < 12; i++) Assert.True(Math.Abs(got[i] - refStats[i]) <= 1e-12, $"stat {i}: {got[i]} vs reference {refStats[i]}");
        for (int k = 0; k < refPerCat.Length; k++) Assert.Equal(refPerCat[k], ev.PerCategory[k].AP, 1e-12);
        // The scene is non-trivial: neither perfect nor empty.
        Assert.InRange(got[0], 0.05, 0.95);
    }

    internal static (CocoFile Gt, List<CocoAnnotation> Dets) RandomScene(int seed, bool integerBoxes, int numImages = 25, int maxFalse = 8)
    {
        var rng = new Random(seed);
        double Q(double v) => integerBoxes ? Math.Round(v) : v;
        var gt = new CocoFile();
        int[] cats = [1, 3, 7, 9]; // 9: has gt, never detected
        foreach (var c in cats) gt.Categories.Add(new CocoCategory { Id = c, Name = $"c{c}" });
        var dets = new List<CocoAnnotation>();
        long annId = 1;
        for (int img = 1; img <= numImages; img++)
        {
            gt.Images.Add(new CocoImage { Id = img * 10, FileName = $"{img}.jpg", Width = 640, Height = 480 });
            foreach (var c in cats)
            {
                int ng = rng.Next(0, 5);
                for (int j = 0; j < ng; j++)
                {
                    double size = Math.Exp(rng.NextDouble() * Math.Log(300.0 / 4)) * 4; // 4..300 px: all area ranges
                    double w = Q(Math.Max(1, size * (0.6 + 0.8 * rng.NextDouble()))), h = Q(Math.Max(1, size * (0.6 + 0.8 * rng.NextDouble())));
                    double x = Q(rng.NextDouble() * 500), y = Q(rng.NextDouble() * 400);
                    bool crowd = rng.NextDouble() < 0.1;
                    gt.Annotations.Add(new CocoAnnotation
                    {
                        Id = annId++, ImageId = img * 10, CategoryId = c, Bbox = [x, y, w, h],
                        Area = w * h * (0.6 + 0.4 * rng.NextDouble()), IsCrowd = crowd ? 1 : 0,
                    });
                    if (c == 9) continue;
                    int copies = rng.NextDouble() < 0.8 ? (rng.NextDouble() < 0.2 ? 2 : 1) : 0;
                    for (int k = 0; k < copies; k++)
                    {
                        double jx = (rng.NextDouble() - 0.5) * 0.4 * w, jy = (rng.NextDouble() - 0.5) * 0.4 * h;
                        double sw = 0.75 + 0.5 * rng.NextDouble(), sh = 0.75 + 0.5 * rng.NextDouble();
                        dets.Add(Det(img * 10, c, Q(x + jx), Q(y + jy), Q(Math.Max(1, w * sw)), Q(Math.Max(1, h * sh)), Math.Round(rng.NextDouble(), 2)));
                    }
                }
                if (c == 9) continue;
                int nf = rng.Next(0, maxFalse + 1);
                for (int j = 0; j < nf; j++)
                    dets.Add(Det(img * 10, c, Q(rng.NextDouble() * 600), Q(rng.NextDouble() * 450), Q(2 + rng.NextDouble() * 150), Q(2 + rng.NextDouble() * 150), Math.Round(rng.NextDouble() * 0.6, 2)));
            }
        }
        // One crowded image: 130 low-score dets of category 1, so the 100-per-image cut matters.
        for (int j = 0; j < 130; j++)
            dets.Add(Det(10, 1, Q(rng.NextDouble() * 600), Q(rng.NextDouble() * 450), Q(5 + rng.NextDouble() * 60), Q(5 + rng.NextDouble() * 60), Math.Round(rng.NextDouble() * 0.3, 2)));
        // Shuffle the input order (ties are broken by input order within an image, so this is part of the test).
        for (int i = dets.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (dets[i], dets[j]) = (dets[j], dets[i]); }
        return (gt, dets);
    }

    private static CocoAnnotation Det(long img, int cat, double x, double y, double w, double h, double score) =>
        new() { ImageId = img, CategoryId = cat, Bbox = [x, y, w, h], Score = score };

    // ---------------- reference ----------------

    private static double RefIou(double[] d, double[] g, bool crowd)
    {
        double iw = Math.Min(d[0] + d[2], g[0] + g[2]) - Math.Max(d[0], g[0]);
        double ih = Math.Min(d[1] + d[3], g[1] + g[3]) - Math.Max(d[1], g[1]);
        if (iw <= 0 || ih <= 0) return 0;
        double inter = iw * ih, dArea = d[2] * d[3], gArea = g[2] * g[3];
        return inter / (crowd ? dArea : dArea + gArea - inter);
    }

    private static (double[] Stats, double[] PerCategoryAp) Reference(CocoFile gt, List<CocoAnnotation> dets)
    {
        double step = (0.95 - 0.5) / 9;
        var iouThrs = Enumerable.Range(0, 10).Select(i => i == 9 ? 0.95 : i * step + 0.5).ToArray();
        var recThrs = Enumerable.Range(0, 101).Select(i => i == 100 ? 1.0 : i * 0.01).ToArray();
        (double Lo, double Hi)[] areas = [(0, 1e10), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e10)];
        int[] maxDets = [1, 10, 100];
        var imgs = gt.Images.Select(i => i.Id).Distinct().OrderBy(i => i).ToList();
        var cats = gt.Categories.Select(c => c.Id).Distinct().OrderBy(c => c).ToList();

        // prec[(t, k, a, m)] = 101 values or null (no gt); rec[(t, k, a, m)] = recall or null.
        var prec = new Dictionary<(int, int, int, int), double[]?>();
        var rec = new Dictionary<(int, int, int, int), double?>();
        for (int k = 0; k < cats.Count; k++)
            for (int a = 0; a < 4; a++)
                for (int m = 0; m < 3; m++)
                    for (int t = 0; t < 10; t++)
                    {
                        var seq = new List<(double Score, int State)>(); // state 0 FP, 1 TP, 2 ignored
                        int npig = 0;
                        foreach (var img in imgs)
                        {
                            bool Ign(CocoAnnotation g) => g.IsCrowd != 0 || g.Area < areas[a].Lo || g.Area > areas[a].Hi;
                            var gs = gt.Annotations.Where(g => g.ImageId == img && g.CategoryId == cats[k]).OrderBy(g => Ign(g) ? 1 : 0).ToList();
                            var ds = dets.Where(d => d.ImageId == img && d.CategoryId == cats[k]).OrderByDescending(d => d.Score!.Value).Take(maxDets[m]).ToList();
                            npig += gs.Count(g => !Ign(g));
                            var taken = new bool[gs.Count];
                            foreach (var d in ds)
                            {
                                double best = Math.Min(iouThrs[t], 1 - 1e-10);
                                int match = -1;
                                for (int gi = 0; gi < gs.Count; gi++)
                                {
                                    if (taken[gi] && gs[gi].IsCrowd == 0) continue;
                                    if (match > -1 && !Ign(gs[match]) && Ign(gs[gi])) break;
                                    double iou = RefIou(d.Bbox, gs[gi].Bbox, gs[gi].IsCrowd != 0);
                                    if (iou < best) continue;
                                    best = iou; match = gi;
                                }
                                double dArea = d.Bbox[2] * d.Bbox[3];
                                bool dOut = dArea < areas[a].Lo || dArea > areas[a].Hi;
                                int state;
                                if (match >= 0) { taken[match] = true; state = Ign(gs[match]) ? 2 : 1; }
                                else state = dOut ? 2 : 0;
                                seq.Add((d.Score!.Value, state));
                            }
                        }
                        if (npig == 0) { prec[(t, k, a, m)] = null; rec[(t, k, a, m)] = null; continue; }
                        var sorted = seq.OrderByDescending(s => s.Score).ToList(); // stable, image order then score order
                        var rc = new List<double>();
                        var pr = new List<double>();
                        int tp = 0, fp = 0;
                        foreach (var s in sorted)
                        {
                            if (s.State == 1) tp++;
                            if (s.State == 0) fp++;
                            rc.Add((double)tp / npig);
                            pr.Add(tp / (fp + tp + 2.220446049250313e-16));
                        }
                        rec[(t, k, a, m)] = rc.Count > 0 ? rc[^1] : 0;
                        // interpolated precision: max precision over points with recall ≥ r (0 if none)
                        prec[(t, k, a, m)] = recThrs.Select(r =>
                        {
                            var ps = Enumerable.Range(0, rc.Count).Where(i => rc[i] >= r).Select(i => pr[i]).ToList();
                            return ps.Count == 0 ? 0.0 : ps.Max();
                        }).ToArray();
                    }

        double MeanAp(int a, int m, Func<int, bool> tSel, Func<int, bool> kSel)
        {
            var v = new List<double>();
            for (int t = 0; t < 10; t++)
                if (tSel(t))
                    for (int k = 0; k < cats.Count; k++)
                        if (kSel(k) && prec[(t, k, a, m)] is { } p) v.AddRange(p);
            return v.Count == 0 ? -1 : v.Sum() / v.Count;
        }
        double MeanAr(int a, int m)
        {
            var v = new List<double>();
            for (int t = 0; t < 10; t++)
                for (int k = 0; k < cats.Count; k++)
                    if (rec[(t, k, a, m)] is double r) v.Add(r);
            return v.Count == 0 ? -1 : v.Sum() / v.Count;
        }
        bool All(int _) => true;
        double[] stats =
        [
            MeanAp(0, 2, All, All), MeanAp(0, 2, t => t == 0, All), MeanAp(0, 2, t => t == 5, All),
            MeanAp(1, 2, All, All), MeanAp(2, 2, All, All), MeanAp(3, 2, All, All),
            MeanAr(0, 0), MeanAr(0, 1), MeanAr(0, 2), MeanAr(1, 2), MeanAr(2, 2), MeanAr(3, 2),
        ];
        var perCat = Enumerable.Range(0, cats.Count).Select(k => MeanAp(0, 2, All, kk => kk == k)).ToArray();
        return (stats, perCat);
    }
}
