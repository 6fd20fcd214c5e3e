using Tood.Realtime.Mot;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Tracking;

namespace Tood.Tests.Realtime.Tracking;

/// <summary>Runs a <see cref="ByteTracker"/> over per-frame detections and scores its output against MOT ground truth.</summary>
internal static class TrackingScore
{
    public static MotMetrics Run(IReadOnlyList<MotRecord> groundTruth, IReadOnlyList<List<Detection>> detections, TrackerOptions? options = null)
    {
        var tracker = new ByteTracker(options);
        var gt = groundTruth.ToLookup(r => r.Frame);
        var acc = new MotAccumulator();
        var tracked = new List<Detection>();
        for (int f = 0; f < detections.Count; f++)
        {
            tracked.Clear();
            tracker.Update(detections[f].ToArray(), tracked);
            acc.AddFrame([.. gt[f + 1]], [.. tracked.Select(d => ToMot(f + 1, d))]);
        }
        return acc.Compute();
    }

    public static MotRecord ToMot(int frame, Detection d) => new(frame, d.TrackId ?? throw new ArgumentException("untracked detection"), d.X1, d.Y1, d.Width, d.Height, d.Score);
}
