namespace Tood.Realtime.Postprocess;

/// <summary>
/// Greedy non-maximum suppression. Class-aware via the mmcv batched_nms trick (spec §6): every box is
/// offset by class × (max coordinate + 1) so boxes of different classes never overlap, then one NMS runs.
/// IoU = inter / (area1 + area2 − inter), area = (x2−x1)(y2−y1) without +1; suppress when IoU &gt; threshold.
/// Equal scores keep the lower candidate index first (stable), so results are deterministic.
/// </summary>
public sealed class Nms
{
    private int[] _order = [];
    private bool[] _suppressed = [];
    private float[] _scores = [], _ox1 = [], _oy1 = [], _ox2 = [], _oy2 = [], _area = [];

    /// <summary>
    /// Runs class-aware NMS over <paramref name="count"/> candidates; writes the kept candidate indices,
    /// best score first, into <paramref name="keep"/> and returns how many (≤ maxDet, ≤ keep.Length).
    /// </summary>
    public int Run(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> classes, int count,
                   float iouThreshold, int maxDet, Span<int> keep)
    {
        if (boxes.Length < count * 4 || scores.Length < count || classes.Length < count)
            throw new ArgumentException("boxes/scores/classes shorter than count");
        if (count == 0 || maxDet <= 0) return 0;
        Ensure(count);

        float maxCoord = 0;
        for (int i = 0; i < count * 4; i++) maxCoord = MathF.Max(maxCoord, boxes[i]);
        float step = maxCoord + 1;
        for (int i = 0; i < count; i++)
        {
            float off = classes[i] * step;
            float x1 = boxes[4 * i] + off, y1 = boxes[4 * i + 1] + off, x2 = boxes[4 * i + 2] + off, y2 = boxes[4 * i + 3] + off;
            _ox1[i] = x1; _oy1[i] = y1; _ox2[i] = x2; _oy2[i] = y2;
            _area[i] = MathF.Max(0, x2 - x1) * MathF.Max(0, y2 - y1);
            _order[i] = i;
            _suppressed[i] = false;
        }
        var order = _order.AsSpan(0, count);
        // Stable sort: score descending, then index ascending.
        scores[..count].CopyTo(_scores);
        order.Sort(new ScoreComparer(_scores));

        int limit = Math.Min(maxDet, keep.Length);
        int kept = 0;
        for (int oi = 0; oi < count && kept < limit; oi++)
        {
            int i = order[oi];
            if (_suppressed[i]) continue;
            keep[kept++] = i;
            float ax1 = _ox1[i], ay1 = _oy1[i], ax2 = _ox2[i], ay2 = _oy2[i], aa = _area[i];
            for (int oj = oi + 1; oj < count; oj++)
            {
                int j = order[oj];
                if (_suppressed[j]) continue;
                float iw = MathF.Min(ax2, _ox2[j]) - MathF.Max(ax1, _ox1[j]);
                if (iw <= 0) continue;
                float ih = MathF.Min(ay2, _oy2[j]) - MathF.Max(ay1, _oy1[j]);
                if (ih <= 0) continue;
                float inter = iw * ih;
                float union = aa + _area[j] - inter;
                if (union > 0 && inter / union > iouThreshold) _suppressed[j] = true;
            }
        }
        return kept;
    }

    /// <summary>IoU of two (x1,y1,x2,y2) boxes, no +1 (spec §6).</summary>
    public static float Iou(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float iw = MathF.Min(a[2], b[2]) - MathF.Max(a[0], b[0]);
        float ih = MathF.Min(a[3], b[3]) - MathF.Max(a[1], b[1]);
        if (iw <= 0 || ih <= 0) return 0;
        float inter = iw * ih;
        float union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
        return union > 0 ? inter / union : 0;
    }

    private void Ensure(int n)
    {
        if (_order.Length >= n) return;
        int cap = Math.Max(n, _order.Length * 2);
        _order = new int[cap]; _suppressed = new bool[cap]; _scores = new float[cap];
        _ox1 = new float[cap]; _oy1 = new float[cap]; _ox2 = new float[cap]; _oy2 = new float[cap]; _area = new float[cap];
    }

    private readonly struct ScoreComparer(float[] scores) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int c = scores[b].CompareTo(scores[a]);
            return c != 0 ? c : a.CompareTo(b);
        }
    }
}
