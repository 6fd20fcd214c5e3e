using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;

namespace Tood.Realtime.Validation;

/// <summary>Detections of class <see cref="Predicted"/> that matched a box of class <see cref="True"/> (another class).</summary>
public sealed record ConfusionPair(int PredictedId, string Predicted, int TrueId, string True, int Count);

/// <summary>
/// One class's ground truth and detections at the summary's operating point. Boxes: <see cref="Gt"/> =
/// <see cref="Correct"/> + <see cref="Mislabelled"/> + <see cref="Missed"/>. Detections of this class:
/// <see cref="Correct"/> + <see cref="OnOtherClass"/> + <see cref="Background"/> (+ those on crowd regions, not counted).
/// </summary>
public sealed record ConfusionClass(int CategoryId, string Name, int Gt, int Correct, int Mislabelled, int Missed, int OnOtherClass, int Background);

/// <summary>
/// Which mistakes a detector makes at one operating point (score ≥ <see cref="ScoreThreshold"/>), per image, in
/// three greedy passes over the detections in descending score order, each box matched at most once, IoU as
/// pycocotools computes it (≥ <see cref="IouThreshold"/>, the best unmatched box wins, ties to the first):
/// (1) a detection on a box of its own class is correct; (2) a remaining detection on a box of another class is a
/// wrong-class match, counted per (predicted, true) pair; (3) what is left is a background false positive (this
/// includes duplicates of an already found object), except on a crowd box of its class (COCO ignores those).
/// Boxes nothing matched are missed. Unlike AP this depends on the threshold: it describes the detector as deployed.
/// </summary>
public sealed record ConfusionSummary(double ScoreThreshold, double IouThreshold, IReadOnlyList<ConfusionPair> Pairs, IReadOnlyList<ConfusionClass> Classes)
{
    public int WrongClass => Pairs.Sum(p => p.Count);
    public int Background => Classes.Sum(c => c.Background);
    public int Missed => Classes.Sum(c => c.Missed);
    public int Correct => Classes.Sum(c => c.Correct);

    /// <param name="groundTruth">images, categories and boxes ([x,y,w,h]); detections of other categories are ignored.</param>
    /// <param name="detections">COCO results ([x,y,w,h] + score).</param>
    public static ConfusionSummary Compute(CocoFile groundTruth, IReadOnlyList<CocoAnnotation> detections, double scoreThreshold = 0.25, double iouThreshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(detections);
        var cats = groundTruth.Categories.GroupBy(c => c.Id).Select(g => g.First()).OrderBy(c => c.Id).ToList();
        var index = cats.Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i);
        int k = cats.Count;
        var gt = new int[k]; var correct = new int[k]; var mislabelled = new int[k]; var onOther = new int[k]; var background = new int[k];
        var pairs = new int[k, k];

        var gtByImage = groundTruth.Annotations.Where(a => index.ContainsKey(a.CategoryId)).ToLookup(a => a.ImageId);
        var dtByImage = detections.Where(d => d.Score >= scoreThreshold && index.ContainsKey(d.CategoryId)).ToLookup(d => d.ImageId);
        foreach (var image in groundTruth.Images.Select(i => i.Id).Distinct())
        {
            var boxes = gtByImage[image].Where(a => a.IsCrowd == 0).ToList();
            var crowds = gtByImage[image].Where(a => a.IsCrowd != 0).ToList();
            foreach (var b in boxes) gt[index[b.CategoryId]]++;
            var dets = dtByImage[image].OrderByDescending(d => d.Score!.Value).ToList(); // stable: ties keep input order
            var taken = new bool[boxes.Count];
            var done = new bool[dets.Count];
            for (int pass = 0; pass < 2; pass++)
                for (int d = 0; d < dets.Count; d++)
                {
                    if (done[d]) continue;
                    int c = index[dets[d].CategoryId];
                    int m = Best(dets[d], boxes, taken, b => (b.CategoryId == dets[d].CategoryId) == (pass == 0), iouThreshold, crowd: false);
                    if (m < 0) continue;
                    taken[m] = done[d] = true;
                    int t = index[boxes[m].CategoryId];
                    if (pass == 0) correct[c]++;
                    else { pairs[c, t]++; onOther[c]++; mislabelled[t]++; }
                }
            for (int d = 0; d < dets.Count; d++)
                if (!done[d] && Best(dets[d], crowds, new bool[crowds.Count], b => b.CategoryId == dets[d].CategoryId, iouThreshold, crowd: true) < 0)
                    background[index[dets[d].CategoryId]]++;
        }

        var pairList = new List<ConfusionPair>();
        for (int p = 0; p < k; p++)
            for (int t = 0; t < k; t++)
                if (pairs[p, t] > 0) pairList.Add(new ConfusionPair(cats[p].Id, cats[p].Name, cats[t].Id, cats[t].Name, pairs[p, t]));
        pairList = [.. pairList.OrderByDescending(p => p.Count)]; // stable: equal counts stay in (predicted, true) id order
        var classes = cats.Select((c, i) => new ConfusionClass(c.Id, c.Name, gt[i], correct[i], mislabelled[i],
            gt[i] - correct[i] - mislabelled[i], onOther[i], background[i])).ToList();
        return new ConfusionSummary(scoreThreshold, iouThreshold, pairList, classes);
    }

    private static int Best(CocoAnnotation det, List<CocoAnnotation> boxes, bool[] taken, Func<CocoAnnotation, bool> eligible, double threshold, bool crowd)
    {
        int best = -1;
        double bestIou = threshold;
        for (int g = 0; g < boxes.Count; g++)
        {
            if (taken[g] || !eligible(boxes[g])) continue;
            double iou = BoxIou.Compute(det.Bbox, boxes[g].Bbox, crowd);
            if (iou >= bestIou && (best < 0 || iou > bestIou)) { best = g; bestIou = iou; }
        }
        return best;
    }
}
