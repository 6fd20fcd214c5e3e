using Tood.Realtime.Postprocess;
using Tood.Realtime.Tracking;
using Xunit;

namespace Tood.Tests.Realtime.Tracking;

public class ByteTrackerTests
{
    private static Detection Box(float cx, float cy, float score, float w = 40, float h = 60, int cls = 0) =>
        new(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, cls, cls == 0 ? "a" : "b");

    private static List<Detection> Run(ByteTracker t, params Detection[] frame)
    {
        var list = new List<Detection>(frame);
        t.Update(list);
        return list;
    }

    private static int? IdNear(List<Detection> tracked, float cx) =>
        tracked.Where(d => Math.Abs((d.X1 + d.X2) / 2 - cx) < 1).Select(d => d.TrackId).SingleOrDefault();

    [Fact]
    public void Objects_keep_their_ids_and_new_tracks_are_reported_from_their_second_frame()
    {
        var t = new ByteTracker();
        var f1 = Run(t, Box(100, 100, 0.9f), Box(300, 100, 0.8f));
        Assert.Equal([1, 2], f1.Select(d => d.TrackId));           // first frame: confirmed at once
        for (int f = 1; f < 10; f++)
        {
            var dets = new List<Detection> { Box(300 - 4 * f, 100, 0.8f), Box(100 + 5 * f, 100, 0.9f) };
            if (f >= 3) dets.Add(Box(500, 300 + 2 * f, 0.7f));      // appears at frame 4 (f = 3)
            t.Update(dets);
            Assert.Equal(1, IdNear(dets, 100 + 5 * f));
            Assert.Equal(2, IdNear(dets, 300 - 4 * f));
            if (f == 3) Assert.Equal(2, dets.Count);                  // unconfirmed: not reported yet
            if (f >= 4) Assert.Equal(3, IdNear(dets, 500));
            // Output keeps input order and the detector's own boxes.
            Assert.Equal(300 - 4 * f - 20, dets[0].X1);
        }
        Assert.Equal(3, t.TrackedCount);
    }

    [Fact]
    public void Low_score_boxes_continue_tracks_but_never_start_them()
    {
        var t = new ByteTracker();
        Run(t, Box(100, 100, 0.9f));
        Run(t, Box(104, 100, 0.9f));
        // Occluded: the detector's score drops below the high threshold; the second association keeps the ID.
        for (int f = 2; f < 6; f++)
        {
            var out_ = Run(t, Box(100 + 4 * f, 100, 0.3f), Box(400, 400, 0.3f));
            Assert.Equal(1, Assert.Single(out_).TrackId);
        }
        // Between low and high but under the new-track threshold (0.55 < 0.6): no track either.
        var f7 = Run(t, Box(124, 100, 0.9f), Box(400, 400, 0.55f));
        Assert.Equal(1, Assert.Single(f7).TrackId);
        Assert.DoesNotContain(Run(t, Box(400, 400, 0.05f)), d => d.TrackId != 1);   // below the low threshold: ignored
    }

    [Fact]
    public void A_track_missing_for_frames_is_found_again_within_the_buffer_and_renumbered_after_it()
    {
        foreach (var (buffer, gap, expectId) in new[] { (30, 5, 1), (3, 5, 2) })
        {
            var t = new ByteTracker(new TrackerOptions { TrackBuffer = buffer });
            for (int f = 0; f < 8; f++) Run(t, Box(100 + 6 * f, 100, 0.9f));
            for (int f = 8; f < 8 + gap; f++) Assert.Empty(Run(t));
            Assert.Equal(buffer >= gap ? 1 : 0, t.LostCount);
            // Back where constant velocity puts it (the filter predicted the lost track on).
            int back = 8 + gap;
            var f1 = Run(t, Box(100 + 6 * back, 100, 0.9f));
            if (expectId == 1) Assert.Equal(1, Assert.Single(f1).TrackId);
            else Assert.Empty(f1);                                   // a new, still unconfirmed track
            var f2 = Run(t, Box(100 + 6 * (back + 1), 100, 0.9f));
            Assert.Equal(expectId, Assert.Single(f2).TrackId);
        }
    }

    [Fact]
    public void Crossing_objects_keep_their_ids_when_one_hides_behind_the_other()
    {
        // A moves right, B moves left, 8 px/frame; around frame 10 they overlap, and for 3 frames only A is seen.
        var t = new ByteTracker();
        for (int f = 0; f < 22; f++)
        {
            float ax = 40 + 8 * f, bx = 200 - 8 * f;
            var dets = new List<Detection> { Box(ax, 100, 0.9f) };
            bool hidden = f is >= 9 and <= 11;
            if (!hidden) dets.Add(Box(bx, 106, 0.85f));
            t.Update(dets);
            Assert.Equal(1, IdNear(dets, ax));
            if (!hidden) Assert.Equal(2, IdNear(dets, bx));
        }
    }

    [Fact]
    public void Class_agnostic_by_default_class_aware_on_request()
    {
        foreach (var (aware, expected) in new[] { (false, 1), (true, 2) })
        {
            var t = new ByteTracker(new TrackerOptions { ClassAware = aware });
            Run(t, Box(100, 100, 0.9f, cls: 0));
            Run(t, Box(102, 100, 0.9f, cls: 0));
            Run(t, Box(104, 100, 0.9f, cls: 1));           // the detector flips the class
            var last = Run(t, Box(106, 100, 0.9f, cls: 1));
            Assert.Equal(expected, Assert.Single(last).TrackId);
            Assert.Equal(1, last[0].ClassId);
        }
    }

    [Fact]
    public void Reset_restarts_ids_and_span_overload_matches_in_place_update()
    {
        var a = new ByteTracker();
        var b = new ByteTracker();
        var rng = new Random(2);
        for (int f = 0; f < 30; f++)
        {
            var dets = Enumerable.Range(0, 6).Select(i => Box(60 * i + 2 * f + (float)rng.NextDouble(), 100 + 30 * (i % 2), 0.2f + 0.7f * (float)rng.NextDouble())).ToArray();
            var inPlace = new List<Detection>(dets);
            a.Update(inPlace);
            var appended = new List<Detection>();
            b.Update(dets, appended);
            Assert.Equal(appended, inPlace);
        }
        a.Reset();
        Assert.Equal(0, a.Frame);
        Assert.Equal(1, Run(a, Box(10, 10, 0.9f))[0].TrackId);
    }

    [Fact]
    public void Warm_tracker_allocates_nothing_per_frame()
    {
        var t = new ByteTracker();
        var frames = new List<Detection[]>();
        for (int f = 0; f < 150; f++)
            frames.Add([.. Enumerable.Range(0, 50).Select(i => Box(40 + 30 * (i % 10) + f, 40 + 50 * (i / 10) + 0.5f * f, i % 7 == 0 && f > 10 ? 0.3f : 0.9f, 20, 30))]);   // some continue on low scores
        var list = new List<Detection>(64);
        for (int f = 0; f < 50; f++) { list.Clear(); list.AddRange(frames[f]); t.Update(list); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        int tracked = 0;
        for (int f = 50; f < 150; f++)
        {
            list.Clear();
            foreach (var d in frames[f]) list.Add(d);
            t.Update(list);
            tracked += list.Count;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100 * 50, tracked);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Options_are_validated_with_the_setting_named()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ByteTracker(new TrackerOptions { TrackBuffer = -1 }));
        Assert.Contains("--track-buffer", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ByteTracker(new TrackerOptions { LowThreshold = 0.7f, HighThreshold = 0.5f }));
        Assert.Equal(60, new TrackerOptions().WithBufferFor(60).TrackBuffer);
        Assert.Equal(10, new TrackerOptions().WithBufferFor(10).TrackBuffer);
        Assert.Equal(0, new TrackerOptions().WithBufferFor(25, framesAt30: 0).TrackBuffer);
        Assert.Equal(20, new TrackerOptions().WithBufferFor(24, framesAt30: 25).TrackBuffer);   // int(24 / 30 · 25)
    }
}
