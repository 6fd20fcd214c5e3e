using Tood.Train.Data.Augment;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>A detection in source-image pixels.</summary>
public readonly record struct Detection(int ClassIndex, float Score, float X1, float Y1, float X2, float Y2);

/// <summary>
/// Test-time decoding, spec §6 "official" variant (P14): per level keep the 1000 locations with the
/// highest max-over-classes score, clip boxes to the resized (unpadded) image, then every (box, class)
/// pair with score &gt; 0.05 is a candidate for class-aware greedy NMS at IoU 0.6 (boxes of different
/// classes never suppress each other; IoU = inter / (a1 + a2 − inter), no +1), keep the top 100, and
/// undo the letterbox (÷ scale, clip to the source image).
/// </summary>
public sealed record DetectionDecoder(double ScoreThreshold = 0.05, int PreNmsPerLevel = 1000, double IouThreshold = 0.6, int MaxPerImage = 100)
{
    /// <param name="scores">[A,K] inference scores of one image.</param>
    /// <param name="boxes">[A,4] boxes in canvas pixels.</param>
    /// <param name="levelCounts">Anchors per level (flatten order P3→P7).</param>
    public List<Detection> Decode(Tensor scores, Tensor boxes, IReadOnlyList<int> levelCounts, Placement placement, int srcWidth, int srcHeight)
    {
        float[] s, b;
        int k = (int)scores.shape[1];
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var keptScores = new List<Tensor>();
            var keptBoxes = new List<Tensor>();
            long off = 0;
            foreach (int n in levelCounts)
            {
                var ls = scores.narrow(0, off, n);
                var lb = boxes.narrow(0, off, n);
                off += n;
                if (n > PreNmsPerLevel)
                {
                    var idx = ls.max(1).values.topk(PreNmsPerLevel).indexes;
                    ls = ls.index_select(0, idx);
                    lb = lb.index_select(0, idx);
                }
                keptScores.Add(ls);
                keptBoxes.Add(lb);
            }
            var allS = torch.cat(keptScores, 0).to(ScalarType.Float32).cpu().contiguous();
            var allB = torch.cat(keptBoxes, 0).to(ScalarType.Float32).cpu().contiguous();
            s = allS.data<float>().ToArray();
            b = allB.data<float>().ToArray();
        }
        float w = placement.VisibleWidth, h = placement.VisibleHeight;
        for (int i = 0; i < b.Length; i += 4)
        {
            b[i] = Math.Clamp(b[i], 0, w); b[i + 2] = Math.Clamp(b[i + 2], 0, w);
            b[i + 1] = Math.Clamp(b[i + 1], 0, h); b[i + 3] = Math.Clamp(b[i + 3], 0, h);
        }
        // Candidates in (box, class) index order; the runtime's class-aware NMS (spec §6) keeps ties stable.
        var candBox = new List<int>();
        for (int i = 0; i < s.Length; i++)
            if (s[i] > ScoreThreshold) candBox.Add(i);
        int candCount = candBox.Count;
        var cBoxes = new float[candCount * 4];
        var cScores = new float[candCount];
        var cClasses = new int[candCount];
        for (int c = 0; c < candCount; c++)
        {
            int i = candBox[c];
            Array.Copy(b, i / k * 4, cBoxes, c * 4, 4);
            cScores[c] = s[i];
            cClasses[c] = i % k;
        }
        var keep = new int[Math.Min(candCount, MaxPerImage)];
        int keptCount = new Realtime.Postprocess.Nms().Run(cBoxes, cScores, cClasses, candCount, (float)IouThreshold, MaxPerImage, keep);
        var kept = keep.Take(keptCount).Select(c => (Score: cScores[c], Box: candBox[c] / k, Cls: cClasses[c])).ToList();

        float inv = 1f / placement.Scale;
        var result = new List<Detection>(kept.Count);
        foreach (var c in kept)
        {
            int o = c.Box * 4;
            float x1 = b[o], y1 = b[o + 1], x2 = b[o + 2], y2 = b[o + 3];
            if (placement.Flip) (x1, x2) = (placement.ResizedWidth - x2, placement.ResizedWidth - x1);
            result.Add(new Detection(c.Cls, c.Score,
                Math.Clamp((x1 + placement.CropX) * inv, 0, srcWidth), Math.Clamp((y1 + placement.CropY) * inv, 0, srcHeight),
                Math.Clamp((x2 + placement.CropX) * inv, 0, srcWidth), Math.Clamp((y2 + placement.CropY) * inv, 0, srcHeight)));
        }
        return result;
    }
}
