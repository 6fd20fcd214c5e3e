using System.Runtime.InteropServices;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Tracking;

/// <summary>
/// ByteTrack (Zhang et al., ECCV 2022) multi-object tracker: frame by frame, detections get the ID of the
/// track they continue. Per frame, as the reference <c>BYTETracker.update</c>:
/// <list type="number">
/// <item>Split detections by score: high (≥ <see cref="TrackerOptions.HighThreshold"/>) and low
/// ([<see cref="TrackerOptions.LowThreshold"/>, high)).</item>
/// <item>Predict every confirmed and lost track with the Kalman filter (a lost track's height velocity is zeroed).</item>
/// <item>First association: those tracks × high detections, cost 1 − IoU·score, optimal assignment below
/// <see cref="TrackerOptions.MatchThreshold"/>. A matched lost track is re-found with its old ID.</item>
/// <item>Second association: tracks still unmatched and tracked in the last frame × low detections, cost 1 − IoU
/// (occluded objects score low: this keeps their IDs). Tracks unmatched after it become lost.</item>
/// <item>Unconfirmed tracks (one frame old) × high detections left; unmatched unconfirmed tracks are removed.</item>
/// <item>High detections still left start tracks when they score ≥ <see cref="TrackerOptions.NewTrackThreshold"/>
/// (confirmed on their next match, or at once in the first frame).</item>
/// <item>Lost tracks older than <see cref="TrackerOptions.TrackBuffer"/> frames are removed; a tracked/lost pair
/// overlapping above <see cref="TrackerOptions.DuplicateIou"/> (of one class, when class-aware) keeps the older one.</item>
/// </list>
/// Output: the detections matched to confirmed tracks, in input order, with <see cref="Detection.TrackId"/> set
/// (boxes stay the detector's; the filter only predicts). IDs start at 1 per tracker. Not thread-safe: one
/// tracker per video, called in frame order. Buffers and tracks are reused: no allocation per frame once warm.
/// </summary>
public sealed class ByteTracker
{
    private readonly TrackerOptions _o;
    private readonly LinearAssignment _lap = new();
    private readonly List<Track> _tracked = [], _lost = [], _pool = [], _unconfirmed = [], _rest = [], _born = [], _next = [], _nextLost = [];
    private readonly Stack<Track> _free = new();
    private Detection[] _input = [];
    private float[] _detBoxes = [], _trackBoxes = [];
    private int[] _high = [], _low = [], _left = [], _rowToCol = [], _idOfDet = [];
    private bool[] _used = [];
    private double[] _cost = [];
    private int _frame, _lastId;

    public ByteTracker(TrackerOptions? options = null)
    {
        _o = options ?? new TrackerOptions();
        _o.Validate();
    }

    public TrackerOptions Options => _o;
    /// <summary>Frames processed since construction or <see cref="Reset"/>.</summary>
    public int Frame => _frame;
    /// <summary>Tracks matched in the last frame (confirmed or not) and tracks lost but still kept.</summary>
    public int TrackedCount => _tracked.Count;
    public int LostCount => _lost.Count;

    /// <summary>Forgets every track; IDs start again at 1.</summary>
    public void Reset()
    {
        foreach (var t in _tracked) _free.Push(t);
        foreach (var t in _lost) _free.Push(t);
        _tracked.Clear(); _lost.Clear();
        _frame = 0; _lastId = 0;
    }

    /// <summary>In place: <paramref name="detections"/> becomes this frame's tracked detections (see the class summary).</summary>
    public void Update(List<Detection> detections)
    {
        int n = detections.Count;
        if (_input.Length < n) _input = new Detection[Math.Max(n, _input.Length * 2)];
        CollectionsMarshal.AsSpan(detections).CopyTo(_input);
        detections.Clear();
        Update(_input.AsSpan(0, n), detections);
    }

    /// <summary>Runs one frame; appends the tracked detections of <paramref name="detections"/> to <paramref name="tracked"/>.</summary>
    public void Update(ReadOnlySpan<Detection> detections, List<Detection> tracked)
    {
        _frame++;
        int n = detections.Length;
        EnsureDetections(n);
        int nh = 0, nl = 0;
        for (int i = 0; i < n; i++)
        {
            var d = detections[i];
            _detBoxes[4 * i] = d.X1; _detBoxes[4 * i + 1] = d.Y1; _detBoxes[4 * i + 2] = d.X2; _detBoxes[4 * i + 3] = d.Y2;
            _used[i] = false;
            if (d.Score >= _o.HighThreshold) _high[nh++] = i;
            else if (d.Score >= _o.LowThreshold) _low[nl++] = i;
        }

        _pool.Clear(); _unconfirmed.Clear(); _rest.Clear(); _born.Clear();
        foreach (var t in _tracked) (t.Activated ? _pool : _unconfirmed).Add(t);
        _pool.AddRange(_lost);
        foreach (var t in _pool)
        {
            if (t.State != TrackState.Tracked) t.Kalman.Velocity[3] = 0;
            KalmanBoxFilter.Predict(ref t.Kalman);
        }

        // First association: confirmed + lost tracks × high detections.
        Associate(_pool, detections, _high.AsSpan(0, nh), _o.FuseScore, _o.MatchThreshold);
        for (int i = 0; i < _pool.Count; i++)
            if (!MatchRow(_pool[i], i, _high, detections) && _pool[i].State == TrackState.Tracked) _rest.Add(_pool[i]);

        // Second association: tracks tracked until now but unmatched × low detections; the rest are lost.
        Associate(_rest, detections, _low.AsSpan(0, nl), false, _o.LowMatchThreshold);
        for (int i = 0; i < _rest.Count; i++)
            if (!MatchRow(_rest[i], i, _low, detections)) _rest[i].State = TrackState.Lost;

        // Unconfirmed tracks × high detections still free; unmatched unconfirmed tracks end.
        int nleft = 0;
        for (int k = 0; k < nh; k++) if (!_used[_high[k]]) _left[nleft++] = _high[k];
        Associate(_unconfirmed, detections, _left.AsSpan(0, nleft), _o.FuseScore, _o.UnconfirmedMatchThreshold);
        for (int i = 0; i < _unconfirmed.Count; i++)
            if (!MatchRow(_unconfirmed[i], i, _left, detections)) _unconfirmed[i].State = TrackState.Removed;

        // New tracks from confident detections nobody claimed.
        for (int k = 0; k < nleft; k++)
        {
            int di = _left[k];
            var d = detections[di];
            if (_used[di] || d.Score < _o.NewTrackThreshold) continue;
            var t = _free.Count > 0 ? _free.Pop() : new Track();
            t.Start(++_lastId, Xyah.FromCorners(d.X1, d.Y1, d.X2, d.Y2), d.Score, d.ClassId, _frame, di, activated: _frame == 1);
            _born.Add(t);
        }

        foreach (var t in _lost)
            if (t.State == TrackState.Lost && _frame - t.FrameId > _o.TrackBuffer) t.State = TrackState.Removed;

        Rebuild();
        RemoveDuplicates();
        Emit(detections, tracked);
    }

    /// <summary>Cost matrix tracks × chosen detections and its optimal assignment (into <c>_rowToCol</c>).</summary>
    private void Associate(List<Track> tracks, ReadOnlySpan<Detection> detections, ReadOnlySpan<int> cols, bool fuse, float limit)
    {
        int r = tracks.Count, c = cols.Length;
        if (_rowToCol.Length < r) _rowToCol = new int[Math.Max(r, _rowToCol.Length * 2)];
        if (_cost.Length < r * c) _cost = new double[Math.Max(r * c, _cost.Length * 2)];
        Span<float> tb = stackalloc float[4];
        for (int i = 0; i < r; i++)
        {
            var t = tracks[i];
            t.Kalman.Corners(out tb[0], out tb[1], out tb[2], out tb[3]);
            var row = _cost.AsSpan(i * c, c);
            for (int j = 0; j < c; j++)
            {
                int di = cols[j];
                if (_o.ClassAware && detections[di].ClassId != t.ClassId) { row[j] = double.PositiveInfinity; continue; }
                double iou = Nms.Iou(tb, _detBoxes.AsSpan(4 * di, 4));
                row[j] = 1 - (fuse ? iou * detections[di].Score : iou);
            }
        }
        _lap.MinCost(_cost.AsSpan(0, r * c), r, c, limit, _rowToCol);
    }

    /// <summary>Applies row <paramref name="row"/>'s match (if any); false when the track stayed unmatched.</summary>
    private bool MatchRow(Track t, int row, int[] cols, ReadOnlySpan<Detection> detections)
    {
        int j = _rowToCol[row];
        if (j < 0) return false;
        int di = cols[j];
        var d = detections[di];
        t.Match(Xyah.FromCorners(d.X1, d.Y1, d.X2, d.Y2), d.Score, d.ClassId, _frame, di);
        _used[di] = true;
        return true;
    }

    /// <summary>Tracked list: still tracked, then new, then re-found; lost list: still lost, then newly lost. Removed tracks are recycled.</summary>
    private void Rebuild()
    {
        _next.Clear(); _nextLost.Clear();
        foreach (var t in _tracked) if (t.State == TrackState.Tracked) _next.Add(t);
        _next.AddRange(_born);
        foreach (var t in _lost)
        {
            if (t.State == TrackState.Tracked) _next.Add(t);
            else if (t.State == TrackState.Lost) _nextLost.Add(t);
            else _free.Push(t);
        }
        foreach (var t in _tracked)
        {
            if (t.State == TrackState.Lost) _nextLost.Add(t);
            else if (t.State == TrackState.Removed) _free.Push(t);
        }
        _tracked.Clear(); _tracked.AddRange(_next);
        _lost.Clear(); _lost.AddRange(_nextLost);
    }

    /// <summary>A tracked and a lost track on the same spot are one object seen twice: keep the older history.</summary>
    private void RemoveDuplicates()
    {
        if (_tracked.Count == 0 || _lost.Count == 0) return;
        int a = _tracked.Count, b = _lost.Count;
        if (_trackBoxes.Length < 4 * (a + b)) _trackBoxes = new float[Math.Max(4 * (a + b), _trackBoxes.Length * 2)];
        for (int i = 0; i < a + b; i++)
        {
            var t = i < a ? _tracked[i] : _lost[i - a];
            t.Drop = false;
            t.Kalman.Corners(out _trackBoxes[4 * i], out _trackBoxes[4 * i + 1], out _trackBoxes[4 * i + 2], out _trackBoxes[4 * i + 3]);
        }
        bool any = false;
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
            {
                if (_o.ClassAware && _tracked[i].ClassId != _lost[j].ClassId) continue;
                if (Nms.Iou(_trackBoxes.AsSpan(4 * i, 4), _trackBoxes.AsSpan(4 * (a + j), 4)) <= _o.DuplicateIou) continue;
                if (_tracked[i].Age > _lost[j].Age) _lost[j].Drop = true; else _tracked[i].Drop = true;
                any = true;
            }
        if (!any) return;
        Compact(_tracked);
        Compact(_lost);
    }

    private void Compact(List<Track> list)
    {
        int w = 0;
        for (int i = 0; i < list.Count; i++)
        {
            var t = list[i];
            if (t.Drop) { t.State = TrackState.Removed; _free.Push(t); } else list[w++] = t;
        }
        list.RemoveRange(w, list.Count - w);
    }

    private void Emit(ReadOnlySpan<Detection> detections, List<Detection> tracked)
    {
        var ids = _idOfDet.AsSpan(0, detections.Length);
        ids.Clear();
        foreach (var t in _tracked)
            if (t.Activated && t.FrameId == _frame) ids[t.Detection] = t.Id;
        for (int i = 0; i < ids.Length; i++)
            if (ids[i] > 0) tracked.Add(detections[i] with { TrackId = ids[i] });
    }

    private void EnsureDetections(int n)
    {
        if (_used.Length >= n) return;
        int k = Math.Max(n, _used.Length * 2);
        _used = new bool[k]; _high = new int[k]; _low = new int[k]; _left = new int[k]; _idOfDet = new int[k];
        _detBoxes = new float[4 * k];
    }
}
