using System.Text.Json;
using Tood.Live.Bench;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Video;
using Tood.Tests.Realtime.Fixtures;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Realtime.Pipeline;

/// <summary>
/// Live mode against a source faster than the model: the real camera video replayed by <see cref="PacedFrameSource"/>
/// (--realtime) into a real TOOD graph at 640 px. Frames are dropped at the run boundary, so the overlay lags the
/// capture by about one inference period — not by the several that stage queues would add.
/// </summary>
[Collection(RealtimeCollection.Name)]
public class LiveLatencyTests(RealtimeFixture fx, ITestOutputHelper output)
{
    private const int Frames = 90;
    private const double Fps = 45;

    /// <summary>Needs a model slower than the 45 fps source (tiny at 640 px takes ~100 ms a frame on the 2-core
    /// machines here); on a machine that runs it faster there is nothing to drop, and the test is skipped saying so.</summary>
    [SkippableFact]
    public async Task A_run_takes_the_newest_frame_so_latency_stays_about_one_inference_period_and_every_older_frame_is_counted_dropped()
    {
        using var det = Detector.Load(fx.TinyModel640, new DetectorOptions { Device = DeviceSpec.Cpu, BufferSets = 4, Cpu = CpuThreading.ForMode(live: true) });
        using var source = new PacedFrameSource(new LimitedFrameSource(VideoCaptureSource.OpenFile(SharedData.PersonVideo), Frames), Fps);
        string jsonl = fx.PathFor("live_paced.jsonl"), mp4 = fx.PathFor("live_paced.mp4");
        var s = await new VideoPipeline(det, new VideoPipelineOptions { Outputs = new() { Jsonl = jsonl, Video = mp4 } }, StreamSpec.Of(source)).RunAsync();
        output.WriteLine(s.ToString());

        Assert.Equal(Frames, s.FramesCaptured);
        Assert.Equal(s.FramesCaptured, s.Frames + s.DroppedFrames); // each frame processed or dropped (and disposed)
        double period = 1000 / Fps, work = s.StageMs.Preprocess + s.StageMs.Infer + s.StageMs.Postprocess + s.StageMs.Render;
        Skip.If(s.StageMs.Infer <= period, $"the model ({s.StageMs.Infer:0.0} ms a frame) is not slower than the {Fps} fps source ({period:0.0} ms) on this machine: nothing to drop, no test of dropping");
        Assert.True(s.DroppedFrames > 0, s.ToString());
        // One run at a time, each on one frame: the processed frames cannot outnumber the runs that fit into the run
        // (+1 for the one in flight at the end) — every other captured frame was dropped.
        Assert.True(s.Frames <= s.Seconds * 1000 / s.StageMs.Infer + 1, s.ToString());
        // Latency bound: the newest frame is at most one source period old when its run starts, then it is letterboxed,
        // inferred, decoded and drawn. A queue of k frames in front of the model would add k inference periods.
        // A queue delays every frame; one stall of a loaded CI machine (a 750 ms frame among 13 was seen) delays one. So
        // the mean is taken without the slowest frame: a queue still fails it, a single hiccup does not.
        double bound = 1.5 * (period + work) + 25;
        double meanWithoutSlowest = s.Frames > 1 ? (s.MeanLatencyMs * s.Frames - s.MaxLatencyMs) / (s.Frames - 1) : s.MeanLatencyMs;
        Assert.True(meanWithoutSlowest <= bound,
            $"mean latency without the slowest frame {meanWithoutSlowest:0.0} ms > {bound:0.0} ms (period {period:0.0}, work {work:0.0}): {s}");

        // The JSONL holds the processed frames, in order, with the dropped ones as gaps.
        var lines = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var index = lines.Select(l => l.GetProperty("frame").GetInt64()).ToList();
        Assert.Equal(s.Frames, index.Count);
        Assert.Equal(index.Order(), index);
        Assert.Equal(index.Distinct().Count(), index.Count);

        // The live mp4 plays at real speed: a constant 30 fps (45 capped at VideoOutputs.MaxLiveFps) spanning the capture
        // times of the first to the last processed frame, each processed frame repeated until the next (the old mp4 of
        // the processed frames at the camera's rate lasted Frames / 45 s).
        var times = lines.Select(l => l.GetProperty("time").GetDouble()).ToList();
        var p = Mp4Probe.Of(mp4);
        Assert.Equal(VideoOutputs.MaxLiveFps, p.FrameRate, 3);
        long expected = (long)Math.Round((times[^1] - times[0]) * VideoOutputs.MaxLiveFps) + 1;
        Assert.InRange(p.Frames, expected - 1, expected + 1); // JSONL times are rounded to 0.1 ms
        Assert.True(p.Frames > s.Frames, $"{p.Frames} video frames for {s.Frames} processed: nothing repeated");
    }

    [Fact]
    public void A_paced_file_delivers_frames_no_faster_than_its_rate()
    {
        using var source = new PacedFrameSource(new LimitedFrameSource(VideoCaptureSource.OpenFile(fx.Video), 12), 60);
        Assert.True(source.IsLive);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int n = 0;
        while (source.Read() is { } m) { m.Dispose(); n++; }
        Assert.Equal(12, n);
        Assert.True(sw.Elapsed.TotalSeconds >= 11 / 60.0, $"12 frames at 60 fps in {sw.Elapsed.TotalMilliseconds:0} ms");
    }
}
