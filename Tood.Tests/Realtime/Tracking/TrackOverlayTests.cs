using OpenCvSharp;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Rendering;
using Xunit;

namespace Tood.Tests.Realtime.Tracking;

/// <summary>Track IDs on the overlay: a stable colour per ID and trails (their sinks' formats: SinkFormatTests).</summary>
public sealed class TrackOverlayTests
{
    [Fact]
    public void Track_colours_are_stable_and_distinct_for_consecutive_ids()
    {
        Assert.Equal(OverlayRenderer.ColorOfTrack(17), OverlayRenderer.ColorOfTrack(17));
        var colours = Enumerable.Range(1, 12).Select(OverlayRenderer.ColorOfTrack).ToList();
        for (int i = 0; i < colours.Count; i++)
            for (int j = i + 1; j < colours.Count; j++)
            {
                double l1 = Math.Abs(colours[i].Val0 - colours[j].Val0) + Math.Abs(colours[i].Val1 - colours[j].Val1) + Math.Abs(colours[i].Val2 - colours[j].Val2);
                Assert.True(l1 >= 40, $"ids {i + 1} and {j + 1} look alike: {colours[i]} vs {colours[j]}");
            }
    }

    [Fact]
    public void Overlay_draws_tracked_boxes_in_the_track_colour_and_trails_through_past_centres()
    {
        using var plain = new Mat(100, 200, MatType.CV_8UC3, Scalar.All(0));
        using var trailed = new Mat(100, 200, MatType.CV_8UC3, Scalar.All(0));
        var noTrails = new OverlayRenderer(lineWidth: 6);   // wide enough that the probed pixels are fully covered (no anti-aliasing blend)
        var withTrails = new OverlayRenderer(lineWidth: 6, trailLength: 5);
        for (int f = 0; f < 5; f++)
        {
            plain.SetTo(Scalar.All(0)); trailed.SetTo(Scalar.All(0));
            var d = new[] { new Detection(20 + 20 * f, 60, 30 + 20 * f, 70, 0.9f, 0, "a", 3) };   // centre (25 + 20f, 65)
            noTrails.Draw(plain, d, null);
            withTrails.Draw(trailed, d, null);
        }
        var colour = OverlayRenderer.ColorOfTrack(3);
        var edge = plain.At<Vec3b>(65, 100);                                    // left edge of the last box (x = 100)
        Assert.Equal(((byte)colour.Val0, (byte)colour.Val1, (byte)colour.Val2), (edge.Item0, edge.Item1, edge.Item2));
        // Between the centres of frames 1 and 2 (x = 45 → 65, y = 65): the trail, and nothing without trails.
        var trail = trailed.At<Vec3b>(65, 55);
        Assert.Equal(((byte)colour.Val0, (byte)colour.Val1, (byte)colour.Val2), (trail.Item0, trail.Item1, trail.Item2));
        Assert.Equal(0, plain.At<Vec3b>(65, 55).Item0 + plain.At<Vec3b>(65, 55).Item1 + plain.At<Vec3b>(65, 55).Item2);
    }

    [Fact]
    public void Trails_are_forgotten_after_their_track_is_gone_for_the_trail_length()
    {
        var trails = new TrackTrails(3);
        trails.Add([new Detection(0, 0, 10, 10, 0.9f, 0, "a", 1), new Detection(50, 0, 60, 10, 0.9f, 0, "a", 2)]);
        Assert.Equal(2, trails.Count);
        trails.Add([new Detection(0, 0, 10, 10, 0.9f, 0, "a", 1)]);
        trails.Add([new Detection(0, 0, 10, 10, 0.9f, 0, "a", 1)]);
        Assert.Equal(2, trails.Count);                  // track 2 missing for 2 frames: kept
        trails.Add([new Detection(0, 0, 10, 10, 0.9f, 0, "a", 1)]);
        Assert.Equal(1, trails.Count);                  // missing for 3: forgotten
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrackTrails(1));
    }
}
