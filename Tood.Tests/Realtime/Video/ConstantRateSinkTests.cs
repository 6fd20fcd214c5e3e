using OpenCvSharp;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Video;

/// <summary>Live mp4v (OpenCV writes a constant rate only): processed frames repeated until the next one's capture time.</summary>
[Collection(RealtimeCollection.Name)]
public class ConstantRateSinkTests(RealtimeFixture fx)
{
    [Fact]
    public void Each_processed_frame_fills_the_slots_until_the_next_capture_time()
    {
        // Frames captured at 0, 0.1, 0.34, 0.36, 0.37 and 1.0 s, written at 30 fps: slots 0, 3, 10, 11, 11 and 30
        // (hand-computed, round(t × 30)); the fifth frame finds slot 11 filled and is left out. Frame k is a flat grey of
        // 36·(k+1), so each decoded slot says which frame fills it.
        double[] times = [0, 0.1, 0.34, 0.36, 0.37, 1.0];
        int[] expected = [.. Enumerable.Repeat(0, 3), .. Enumerable.Repeat(1, 7), 2, .. Enumerable.Repeat(3, 19), 5];
        string mp4 = fx.PathFor("constant_rate.mp4");
        using (var sink = VideoOutputs.Create(mp4, 64, 48, 45, VideoCodec.Mp4v, null, null, out var how, live: true))
        {
            Assert.Equal("mp4v via OpenCV VideoWriter at a constant 30 fps, each processed frame repeated until the next (real speed)", how); // 45 fps capped at 30
            for (int k = 0; k < times.Length; k++)
            {
                using var frame = new Mat(48, 64, MatType.CV_8UC3, Scalar.All(36 * (k + 1)));
                sink.Write(new ProcessedFrame(k, times[k], frame, []));
            }
            sink.Complete();
        }
        var p = Mp4Probe.Of(mp4);
        Assert.Equal((31, 30.0), (p.Frames, p.FrameRate));
        using var src = VideoCaptureSource.OpenFile(mp4);
        var decoded = FrameDiff.ReadAll(src);
        try { Assert.Equal(expected, decoded.Select(m => (int)Math.Round(Cv2.Mean(m).Val0 / 36) - 1)); }
        finally { foreach (var m in decoded) m.Dispose(); }
    }
}
