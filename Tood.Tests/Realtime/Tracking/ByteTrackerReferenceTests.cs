using System.Globalization;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Tracking;
using Xunit;

namespace Tood.Tests.Realtime.Tracking;

/// <summary>
/// Parity with ByteTrack's own code. Fixtures/bytetrack_reference.txt is data: 250 frames of detections (rows
/// <c>frame,index,x1,y1,x2,y2,score,reference_track_id</c>; the noisy ground-truth stand-in of a crossing-scene video
/// seed 11 at 320×256: 5 % jitter, 12 % drops, 0.8 false positives per frame, scores never exactly 0.1/0.5/0.6) and,
/// per detection, the track ID the reference tracker gave it (−1 = not reported). It was produced once, offline, by
/// running the unmodified <c>yolox/tracker</c> of ifzhang/ByteTrack at commit d1bf019 (BYTETracker with
/// track_thresh 0.5, match_thresh 0.8, track_buffer 30, mot20 off, frame_rate 30) with two stand-ins for its
/// native dependencies: <c>lap.lapjv(cost_limit=L)</c> solved exactly on the (n+m)² matrix with L/2 for
/// "unmatched" (lap's own construction), and <c>cython_bbox.bbox_overlaps</c> as IoU without the +1 pixel (Tood
/// has one IoU rule, <see cref="Nms.Iou"/>; this is the only intended difference). The harness is deliberately not
/// part of the repository (no Python here); the fixture is the record. Every detection must get the same ID.
/// </summary>
public class ByteTrackerReferenceTests
{
    [Fact]
    public void Every_detection_gets_the_reference_track_id()
    {
        var path = RepoPaths.Path("Tood.Tests", "Realtime", "Tracking", "Fixtures", "bytetrack_reference.txt");
        var frames = new SortedDictionary<int, List<(Detection Det, int RefId)>>();
        foreach (var line in File.ReadLines(path))
        {
            var p = line.Split(',');
            float F(int i) => float.Parse(p[i], CultureInfo.InvariantCulture);
            int frame = int.Parse(p[0], CultureInfo.InvariantCulture);
            if (!frames.TryGetValue(frame, out var list)) frames[frame] = list = [];
            list.Add((new Detection(F(2), F(3), F(4), F(5), F(6), 0, "shape"), int.Parse(p[7], CultureInfo.InvariantCulture)));
        }
        Assert.Equal(250, frames.Count);

        var tracker = new ByteTracker();   // reference defaults: track_thresh 0.5, match_thresh 0.8, buffer 30
        int compared = 0, tracked = 0;
        var output = new List<Detection>();
        foreach (var (frame, dets) in frames)
        {
            output.Clear();
            tracker.Update(dets.Select(d => d.Det).ToArray(), output);
            var ids = output.ToDictionary(d => (d.X1, d.Y1, d.X2, d.Y2, d.Score), d => d.TrackId!.Value);
            foreach (var (det, refId) in dets)
            {
                int ours = ids.GetValueOrDefault((det.X1, det.Y1, det.X2, det.Y2, det.Score), -1);
                Assert.True(ours == refId, $"frame {frame}: detection ({det.X1},{det.Y1},{det.X2},{det.Y2}) score {det.Score}: track {ours}, reference {refId}");
                compared++;
                if (ours > 0) tracked++;
            }
        }
        Assert.Equal(3476, compared);
        Assert.Equal(2541, tracked);
        Assert.True(tracker.Frame == 250);
    }
}
