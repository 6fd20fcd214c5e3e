using OpenCvSharp;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Rendering;

/// <summary>
/// The last <c>length</c> box centres of every track, drawn as a polyline in the track's colour (older
/// segments thinner). A trail is drawn while its track is in the frame and forgotten once the track has been
/// missing for <c>length</c> frames. Feed it every frame, in order.
/// </summary>
public sealed class TrackTrails
{
    private sealed class Trail(int length)
    {
        public readonly Point[] Points = new Point[length];
        public int Count, Head;
        public long LastSeen;

        public void Push(Point p)
        {
            Points[Head] = p;
            Head = (Head + 1) % Points.Length;
            Count = Math.Min(Count + 1, Points.Length);
        }

        /// <summary>k-th newest point (0 = newest).</summary>
        public Point this[int k] => Points[(Head - 1 - k + 2 * Points.Length) % Points.Length];
    }

    private readonly int _length;
    private readonly Dictionary<int, Trail> _trails = [];
    private readonly Stack<Trail> _free = new();
    private readonly List<int> _stale = [];
    private long _frame;

    public TrackTrails(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2, "--trails");
        _length = length;
    }

    /// <summary>Trails currently kept (drawn or waiting for their track to come back).</summary>
    public int Count => _trails.Count;

    /// <summary>Appends this frame's tracked box centres and forgets trails missing for too long.</summary>
    public void Add(IReadOnlyList<Detection> detections)
    {
        _frame++;
        foreach (var d in detections)
        {
            if (d.TrackId is not { } id) continue;
            if (!_trails.TryGetValue(id, out var trail))
            {
                trail = _free.Count > 0 ? _free.Pop() : new Trail(_length);
                trail.Count = trail.Head = 0;
                _trails[id] = trail;
            }
            trail.Push(new Point((int)MathF.Round((d.X1 + d.X2) / 2), (int)MathF.Round((d.Y1 + d.Y2) / 2)));
            trail.LastSeen = _frame;
        }
        _stale.Clear();
        foreach (var (id, trail) in _trails) if (_frame - trail.LastSeen >= _length) _stale.Add(id);
        foreach (int id in _stale) { _free.Push(_trails[id]); _trails.Remove(id); }
    }

    /// <summary>Draws the trails of the tracks seen in the last <see cref="Add"/>.</summary>
    public void Draw(Mat image, int lineWidth)
    {
        foreach (var (id, trail) in _trails)
        {
            if (trail.LastSeen != _frame) continue;
            var color = OverlayRenderer.ColorOfTrack(id);
            for (int k = 0; k + 1 < trail.Count; k++)
            {
                int thickness = Math.Max(1, (int)Math.Round(lineWidth * (1 - (double)k / trail.Count)));
                Cv2.Line(image, trail[k], trail[k + 1], color, thickness, LineTypes.AntiAlias);
            }
        }
    }
}
