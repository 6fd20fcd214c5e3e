using Tood.Realtime.Postprocess;
using Tood.Realtime.Tracking;

namespace Tood.Realtime.Mot;

/// <summary>
/// Scores a tracker frame by frame against ground truth, class-agnostic, a pair matching when IoU ≥ the
/// threshold (0.5). Per frame, as py-motmetrics' <c>MOTAccumulator.update</c> (the CLEAR MOT procedure):
/// <list type="number">
/// <item>Ignored ground truth (flag 0): hypotheses that match one (largest matching against all ground truth)
/// are dropped, then the ignored boxes themselves; neither counts.</item>
/// <item>Continuity: a ground-truth object keeps the hypothesis it was last matched with (in any earlier frame)
/// if that hypothesis is present and still overlaps enough — even when another one overlaps more.</item>
/// <item>The rest: largest matching, smallest total 1 − IoU. A match whose hypothesis differs from the object's
/// last matched hypothesis is an ID switch.</item>
/// <item>Unmatched ground truth are misses (FN), unmatched hypotheses false positives (FP).</item>
/// </list>
/// Identity metrics count, for every (ground-truth ID, hypothesis ID), the frames in which the two overlap
/// enough (whether or not CLEAR matched them); IDTP is the best one-to-one ID mapping over the whole
/// sequence (global bipartite matching), as Ristani et al. and py-motmetrics' <c>id_global_assignment</c>.
/// </summary>
public sealed class MotAccumulator
{
    private sealed class GroundTruthTrack
    {
        public int Present, Matched, Fragmentations;
        public bool EverMatched, Gap;
    }

    private readonly float _threshold;
    private readonly LinearAssignment _lap = new();
    private readonly Dictionary<int, int> _lastMatch = [];
    private readonly Dictionary<int, GroundTruthTrack> _gtTracks = [];
    private readonly Dictionary<int, int> _hypCounts = [];
    private readonly Dictionary<(int Gt, int Hyp), int> _pairs = [];
    private readonly List<MotRecord> _gt = [], _hyp = [];
    private double[] _iou = [], _cost = [];
    private int[] _gtMatch = [], _hypMatch = [], _rows = [], _cols = [], _rowToCol = [];
    private int _frames;
    private long _gtTotal, _hypTotal, _matches, _fn, _fp, _idsw;
    private double _iouSum;

    public MotAccumulator(float iouThreshold = 0.5f)
    {
        if (!(iouThreshold > 0 && iouThreshold <= 1)) throw new ArgumentOutOfRangeException(nameof(iouThreshold), "IoU threshold must be in (0,1]");
        _threshold = iouThreshold;
    }

    /// <summary>Scores whole sequences given as rows (any order); frames are the union of both files' frames.</summary>
    public static MotMetrics Evaluate(IReadOnlyList<MotRecord> groundTruth, IReadOnlyList<MotRecord> hypotheses, float iouThreshold = 0.5f)
    {
        var acc = new MotAccumulator(iouThreshold);
        var gt = groundTruth.ToLookup(r => r.Frame);
        var hyp = hypotheses.ToLookup(r => r.Frame);
        foreach (int f in gt.Select(g => g.Key).Union(hyp.Select(h => h.Key)).Order())
            acc.AddFrame([.. gt[f]], [.. hyp[f]]);
        return acc.Compute();
    }

    /// <summary>Adds one frame (call in frame order). Frame numbers in the records are not used.</summary>
    public void AddFrame(ReadOnlySpan<MotRecord> groundTruth, ReadOnlySpan<MotRecord> hypotheses)
    {
        _frames++;
        CheckUniqueIds(groundTruth, "ground truth");
        CheckUniqueIds(hypotheses, "hypotheses");
        DropIgnored(groundTruth, hypotheses);
        int ng = _gt.Count, nh = _hyp.Count;
        FillIou(ng, nh);
        _gtMatch.AsSpan(0, ng).Fill(-1);
        _hypMatch.AsSpan(0, nh).Fill(-1);
        MatchContinuing(ng, nh);
        MatchRest(ng, nh);
        Count(ng, nh);
    }

    /// <summary>1. Continuity: a ground-truth object keeps its last matched hypothesis while it overlaps enough.</summary>
    private void MatchContinuing(int ng, int nh)
    {
        for (int i = 0; i < ng; i++)
        {
            if (!_lastMatch.TryGetValue(_gt[i].Id, out int h)) continue;
            for (int j = 0; j < nh; j++)
            {
                if (_hyp[j].Id != h || _hypMatch[j] >= 0) continue;
                if (_iou[i * nh + j] >= _threshold) Pair(i, j, isSwitch: false);
                break;
            }
        }
    }

    /// <summary>2. Largest, cheapest matching of the rest; a new partner is a switch.</summary>
    private void MatchRest(int ng, int nh)
    {
        int nr = 0, nc = 0;
        for (int i = 0; i < ng; i++) if (_gtMatch[i] < 0) _rows[nr++] = i;
        for (int j = 0; j < nh; j++) if (_hypMatch[j] < 0) _cols[nc++] = j;
        if (nr == 0 || nc == 0) return;
        for (int a = 0; a < nr; a++)
            for (int b = 0; b < nc; b++)
            {
                double iou = _iou[_rows[a] * nh + _cols[b]];
                _cost[a * nc + b] = iou >= _threshold ? 1 - iou : double.NaN;
            }
        _lap.MaxCardinality(_cost.AsSpan(0, nr * nc), nr, nc, double.PositiveInfinity, _rowToCol);
        for (int a = 0; a < nr; a++)
        {
            if (_rowToCol[a] < 0) continue;
            int i = _rows[a], j = _cols[_rowToCol[a]];
            Pair(i, j, _lastMatch.TryGetValue(_gt[i].Id, out int prev) && prev != _hyp[j].Id);
        }
    }

    /// <summary>3. Misses, false positives, per-track coverage, identity overlaps.</summary>
    private void Count(int ng, int nh)
    {
        _gtTotal += ng; _hypTotal += nh;
        for (int i = 0; i < ng; i++)
        {
            var track = GtTrack(_gt[i].Id);
            track.Present++;
            if (_gtMatch[i] < 0)
            {
                _fn++;
                if (track.EverMatched) track.Gap = true;
                continue;
            }
            track.Matched++;
            if (track.Gap) { track.Fragmentations++; track.Gap = false; }
            track.EverMatched = true;
        }
        for (int j = 0; j < nh; j++)
        {
            if (_hypMatch[j] < 0) _fp++;
            _hypCounts[_hyp[j].Id] = _hypCounts.GetValueOrDefault(_hyp[j].Id) + 1;
        }
        for (int i = 0; i < ng; i++)
            for (int j = 0; j < nh; j++)
                if (_iou[i * nh + j] >= _threshold)
                {
                    var key = (_gt[i].Id, _hyp[j].Id);
                    _pairs[key] = _pairs.GetValueOrDefault(key) + 1;
                }
    }

    private void Pair(int i, int j, bool isSwitch)
    {
        _gtMatch[i] = j; _hypMatch[j] = i;
        _lastMatch[_gt[i].Id] = _hyp[j].Id;
        _matches++;
        _iouSum += _iou[i * _hyp.Count + j];
        if (isSwitch) _idsw++;
    }

    public MotMetrics Compute()
    {
        // Global ID mapping: maximise Σ overlap frames over one-to-one (gt ID, hypothesis ID) pairs.
        var gtIds = _gtTracks.Keys.Order().ToArray();
        var hypIds = _hypCounts.Keys.Order().ToArray();
        var gtIndex = gtIds.Select((id, k) => (id, k)).ToDictionary(p => p.id, p => p.k);
        var hypIndex = hypIds.Select((id, k) => (id, k)).ToDictionary(p => p.id, p => p.k);
        var cost = new double[gtIds.Length * hypIds.Length];
        foreach (var ((g, h), n) in _pairs) cost[gtIndex[g] * hypIds.Length + hypIndex[h]] = -n;
        var match = new int[gtIds.Length];
        _lap.MinCost(cost, gtIds.Length, hypIds.Length, 0, match);
        long idtp = 0;
        for (int g = 0; g < gtIds.Length; g++) if (match[g] >= 0) idtp -= (long)cost[g * hypIds.Length + match[g]];

        int mostlyTracked = 0, mostlyLost = 0;
        long frag = 0;
        foreach (var t in _gtTracks.Values)
        {
            double ratio = (double)t.Matched / t.Present;
            if (ratio >= 0.8) mostlyTracked++;
            else if (ratio < 0.2) mostlyLost++;
            frag += t.Fragmentations;
        }
        return new MotMetrics(_frames, _gtTotal, _hypTotal, gtIds.Length, hypIds.Length, _matches, _fn, _fp, _idsw, frag,
            _iouSum, idtp, mostlyTracked, mostlyLost);
    }

    private GroundTruthTrack GtTrack(int id)
    {
        if (!_gtTracks.TryGetValue(id, out var t)) _gtTracks[id] = t = new GroundTruthTrack();
        return t;
    }

    /// <summary>Copies the scored boxes into <c>_gt</c>/<c>_hyp</c>: ignored ground truth and the hypotheses that match it removed.</summary>
    private void DropIgnored(ReadOnlySpan<MotRecord> groundTruth, ReadOnlySpan<MotRecord> hypotheses)
    {
        _gt.Clear(); _hyp.Clear();
        bool anyIgnored = false;
        foreach (var g in groundTruth) anyIgnored |= g.Ignored;
        foreach (var h in hypotheses) _hyp.Add(h);
        if (anyIgnored && hypotheses.Length > 0)
        {
            foreach (var g in groundTruth) _gt.Add(g);
            int ng = _gt.Count, nh = _hyp.Count;
            FillIou(ng, nh);
            for (int k = 0; k < ng * nh; k++) _cost[k] = _iou[k] >= _threshold ? 1 - _iou[k] : double.NaN;
            _lap.MaxCardinality(_cost.AsSpan(0, ng * nh), ng, nh, double.PositiveInfinity, _rowToCol);
            var drop = _hypMatch.AsSpan(0, nh);
            drop.Clear();
            for (int i = 0; i < ng; i++) if (_rowToCol[i] >= 0 && _gt[i].Ignored) drop[_rowToCol[i]] = 1;
            int w = 0;
            for (int j = 0; j < nh; j++) if (drop[j] == 0) _hyp[w++] = _hyp[j];
            _hyp.RemoveRange(w, nh - w);
            _gt.Clear();
        }
        foreach (var g in groundTruth) if (!g.Ignored) _gt.Add(g);
    }

    /// <summary>IoU of every (_gt[i], _hyp[j]) into <c>_iou[i·nh + j]</c>; sizes the per-frame buffers.</summary>
    private void FillIou(int ng, int nh)
    {
        int n = Math.Max(ng, nh);
        if (_gtMatch.Length < n) { int k = Math.Max(n, 2 * _gtMatch.Length); _gtMatch = new int[k]; _hypMatch = new int[k]; _rows = new int[k]; _cols = new int[k]; _rowToCol = new int[k]; }
        if (_iou.Length < ng * nh) { int k = Math.Max(ng * nh, 2 * _iou.Length); _iou = new double[k]; _cost = new double[k]; }
        Span<float> a = stackalloc float[4], b = stackalloc float[4];
        for (int i = 0; i < ng; i++)
        {
            var g = _gt[i];
            a[0] = g.Left; a[1] = g.Top; a[2] = g.Right; a[3] = g.Bottom;
            for (int j = 0; j < nh; j++)
            {
                var h = _hyp[j];
                b[0] = h.Left; b[1] = h.Top; b[2] = h.Right; b[3] = h.Bottom;
                _iou[i * nh + j] = Nms.Iou(a, b);
            }
        }
    }

    private static void CheckUniqueIds(ReadOnlySpan<MotRecord> rows, string what)
    {
        for (int i = 1; i < rows.Length; i++)
            for (int j = 0; j < i; j++)
                if (rows[i].Id == rows[j].Id)
                    throw new InvalidDataException($"frame {rows[i].Frame}: ID {rows[i].Id} appears twice in the {what}");
    }
}
