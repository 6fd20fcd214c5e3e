using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Video;

/// <summary>The annotated mp4 through ffmpeg (H.264/HEVC, yuv420p, moov first) and the OpenCV mp4v fallback, probed with ffprobe.</summary>
[Collection(RealtimeCollection.Name)]
public class VideoOutputTests(RealtimeFixture fx)
{
    private Detector Load() => Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu, BufferSets = 4 });

    [Theory]
    [InlineData(VideoCodec.Auto, "h264", "avc1")]
    [InlineData(VideoCodec.H264, "h264", "avc1")]
    [InlineData(VideoCodec.Hevc, "hevc", "hvc1")]
    public async Task Ffmpeg_output_is_yuv420p_with_moov_first_and_the_input_frame_count_size_and_rate(VideoCodec codec, string expectCodec, string expectTag)
    {
        string mp4 = fx.PathFor($"out_{codec}.mp4");
        var log = new ListLogger();
        using var det = Load();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var s = await new VideoPipeline(det, new VideoPipelineOptions { Outputs = new() { Video = mp4, Codec = codec }, LoggerFactory = log }, fx.Video).RunAsync();
        clock.Stop();

        var p = Mp4Probe.Of(mp4);
        Assert.Equal((expectCodec, expectTag, "yuv420p"), (p.Codec, p.CodecTag, p.PixFmt));
        Assert.Equal((RealtimeFixture.VideoFrames, RealtimeFixture.VideoWidth, RealtimeFixture.VideoHeight), (p.Frames, p.Width, p.Height));
        Assert.Equal(24, p.FrameRate, 3);
        Assert.Equal(RealtimeFixture.VideoFrames / 24.0, p.Duration, 2);
        Assert.True(Mp4Probe.MoovFirst(mp4), $"moov not before mdat: {string.Join(",", Mp4Probe.TopLevelBoxes(mp4))}");
        Assert.Equal(RealtimeFixture.VideoFrames, s.Frames);
        // The warm-up run happened before the first frame: logged with the summary's figure ahead of the video I/O line
        // (the outputs are opened after it), and its time lies outside the run's, within the call.
        SummaryChecks.Check(s, clock.Elapsed);
        string label = codec == VideoCodec.Hevc ? "HEVC (libx265" : "H.264 (libx264";
        int warmup = log.Lines.IndexOf(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"warm-up run: {s.WarmupMs:0} ms (before the first frame; not in the timings)"));
        int io = log.Lines.FindIndex(l => l.StartsWith($"video I/O: reading {fx.Video} with OpenCV FFMPEG; writing out_{codec}.mp4 as {label} veryfast, yuv420p, faststart) via ffmpeg ", StringComparison.Ordinal));
        Assert.True(warmup >= 0 && io > warmup, string.Join("\n", log.Lines));
        Assert.Empty(Directory.GetFiles(fx.Dir, ".*partial*"));
    }

    [Fact]
    public async Task H264_output_frames_are_the_input_frames_in_order_with_true_colours()
    {
        // No overlay (score threshold 1, no status line): each output frame must decode to its input frame —
        // closer to it than to the neighbouring input frames (the rectangles move 3 px a frame), so a frame shifted,
        // dropped or duplicated by the encoder path, or a BGR/RGB mix-up, fails.
        string mp4 = fx.PathFor("frames_h264.mp4");
        using var det = Load();
        det.DecodeOptions = det.DecodeOptions with { ScoreThreshold = 1 };
        await new VideoPipeline(det, new VideoPipelineOptions { Render = new() { DrawStatus = false }, Outputs = new() { Video = mp4, Codec = VideoCodec.H264 } }, fx.Video).RunAsync();
        using var a = VideoCaptureSource.OpenFile(fx.Video);
        using var b = VideoCaptureSource.OpenFile(mp4);
        var input = FrameDiff.ReadAll(a);
        var written = FrameDiff.ReadAll(b);
        try { FrameDiff.AssertSameFrames(input, written, tolerance: 3); }
        finally
        {
            foreach (var m in input.Concat(written)) m.Dispose();
        }
    }

    [Fact]
    public async Task Without_ffmpeg_auto_falls_back_to_mp4v_through_OpenCV_and_says_so()
    {
        string mp4 = fx.PathFor("noffmpeg_auto.mp4");
        var log = new ListLogger();
        using var det = Load();
        await new VideoPipeline(det, new VideoPipelineOptions { Outputs = new() { Video = mp4, Ffmpeg = null }, LoggerFactory = log }, fx.Video).RunAsync();
        Assert.Contains("ffmpeg not found on PATH: writing noffmpeg_auto.mp4 as mp4v through OpenCV instead of H.264 (install ffmpeg for video that browsers play)", log.Lines);
        Assert.Contains(log.Lines, l => l.EndsWith("writing noffmpeg_auto.mp4 as mp4v via OpenCV VideoWriter", StringComparison.Ordinal));
        var p = Mp4Probe.Of(mp4);
        Assert.Equal(("mpeg4", RealtimeFixture.VideoFrames), (p.Codec, p.Frames));
    }

    [Theory]
    [InlineData(VideoCodec.H264)]
    [InlineData(VideoCodec.Hevc)]
    public async Task Without_ffmpeg_an_explicit_h264_or_hevc_is_an_error_naming_the_fallback_and_nothing_is_written(VideoCodec codec)
    {
        string mp4 = fx.PathFor($"noffmpeg_{codec}.mp4"), jsonl = fx.PathFor($"noffmpeg_{codec}.jsonl");
        using var det = Load();
        var e = await Assert.ThrowsAsync<FfmpegUnavailableException>(() =>
            new VideoPipeline(det, new VideoPipelineOptions { Outputs = new() { Video = mp4, Jsonl = jsonl, Codec = codec, Ffmpeg = null } }, fx.Video).RunAsync());
        string name = codec.ToString().ToLowerInvariant();
        Assert.Equal($"--codec {name} needs ffmpeg, which is not on PATH (Debian/Ubuntu: apt install ffmpeg); or use --codec mp4v (OpenCV)", e.Message);
        Assert.False(File.Exists(mp4));
        Assert.False(File.Exists(jsonl));
    }

    [Fact]
    public void Codec_names_parse_and_unknown_ones_are_rejected()
    {
        Assert.Equal(VideoCodec.H264, VideoCodecs.Parse("H264"));
        Assert.Equal(VideoCodec.Hevc, VideoCodecs.Parse("h265"));
        Assert.Equal(VideoCodec.Mp4v, VideoCodecs.Parse("mp4v"));
        Assert.Equal("--codec must be auto|h264|hevc|mp4v, got 'vp9'", Assert.Throws<FormatException>(() => VideoCodecs.Parse("vp9")).Message);
    }
}
