using System.Text.Json;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Video;

/// <summary>
/// Network sources for real, on loopback: a second ffmpeg streams the test clip over udp/tcp/srt, a .NET
/// HttpListener serves it over http; tood-live reads them through its ffmpeg source (OpenCV's FFmpeg has no network).
/// </summary>
[Collection(RealtimeCollection.Name)]
public class NetworkSourceTests(RealtimeFixture fx)
{
    private static readonly FfmpegTool Tool = FfmpegTool.Find() ?? throw new InvalidOperationException("ffmpeg is not on PATH: run scripts/setup.sh");

    private Detector Load() => Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu, BufferSets = 4 });

    private string ClipH264Ts(int loops = 1) => fx.ClipH264Ts(loops);

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    [InlineData("srt")]
    public async Task Live_stream_from_a_second_ffmpeg_is_decoded_and_detected(string protocol)
    {
        int port = protocol == "udp" ? FreePort.Udp() : FreePort.Tcp();
        // The sender loops the clip at its frame rate; for tcp/srt it listens and tood-live connects (as to a camera).
        string target = protocol switch
        {
            "udp" => $"udp://127.0.0.1:{port}",
            "tcp" => $"tcp://127.0.0.1:{port}?listen=1",
            _ => $"srt://127.0.0.1:{port}?mode=listener",
        };
        string url = protocol == "srt" ? $"srt://127.0.0.1:{port}" : $"{protocol}://127.0.0.1:{port}";
        using var sender = FfmpegCli.Start(["-re", "-stream_loop", "-1", "-i", ClipH264Ts(), "-c", "copy", "-f", "mpegts", target]);
        if (protocol == "tcp") FreePort.WaitUntilBound(port, "tcp", TimeSpan.FromSeconds(30));
        if (protocol == "srt") FreePort.WaitUntilBound(port, "udp", TimeSpan.FromSeconds(30)); // SRT runs over UDP

        var log = new ListLogger();
        using var source = FrameSources.Open(url, null, new SourceOptions { OpenTimeout = TimeSpan.FromSeconds(20) }, Tool, log);
        Assert.Equal((RealtimeFixture.VideoWidth, RealtimeFixture.VideoHeight), (source.Width, source.Height));
        Assert.Equal(24, source.Fps, 3);
        Assert.True(source.IsLive);
        using var det = Load();
        using var cts = new CancellationTokenSource();
        string jsonl = fx.PathFor($"net_{protocol}.jsonl");
        var s = await new VideoPipeline(det, new VideoPipelineOptions
        {
            Outputs = new() { Jsonl = jsonl },
            LoggerFactory = log,
            Progress = new SyncProgress(p => { if (p.Frames >= 12) cts.Cancel(); }),
        }, StreamSpec.Of(source)).RunAsync(cts.Token);

        Assert.InRange(s.Frames, 12, 40);
        Assert.Contains(log.Lines, l => l.StartsWith($"video I/O: reading {url} with ffmpeg {Tool.Version}", StringComparison.Ordinal));
        var frames = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(s.Frames, frames.Count);
        // Real decoded pictures: the colour model finds the red, green and blue rectangles in every frame.
        Assert.All(frames, f => Assert.True(f.GetProperty("detections").GetArrayLength() >= 3));
        Assert.All(frames, f => Assert.Equal(RealtimeFixture.VideoWidth, f.GetProperty("width").GetInt32()));
    }

    [Fact]
    public async Task Http_source_delivers_the_pictures_of_the_local_file_and_file_mode_processes_every_frame()
    {
        // The same file read locally by OpenCV and over http by ffmpeg (Y4M, then I420→BGR in tood-live).
        string ts = ClipH264Ts();
        using var server = new LoopbackHttpServer(ts);
        using (var local = VideoCaptureSource.OpenFile(ts))
        using (var remote = FrameSources.Open(server.Url, null, new SourceOptions(), Tool, null))
        {
            var a = FrameDiff.ReadAll(local);
            var b = FrameDiff.ReadAll(remote);
            // Two FFmpeg builds and two YUV→BGR conversions (OpenCV's swscale, cvtColor I420): within a grey level or two.
            try { FrameDiff.AssertSameFrames(a, b, tolerance: 2); }
            finally { foreach (var m in a.Concat(b)) m.Dispose(); }
        }

        string jsonl = fx.PathFor("http_remote.jsonl");
        using var det = Load();
        var s = await new VideoPipeline(det, new VideoPipelineOptions { Run = new() { Live = false }, Outputs = new() { Jsonl = jsonl } }, server.Url).RunAsync();
        Assert.Equal(RealtimeFixture.VideoFrames, s.Frames); // file mode over the network: every frame, in order, none dropped
        Assert.Equal(0, s.DroppedFrames);
        var frames = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, RealtimeFixture.VideoFrames), frames.Select(f => f.GetProperty("frame").GetInt32()));
        Assert.All(frames, f => Assert.True(f.GetProperty("detections").GetArrayLength() >= 3));
    }

    [Fact]
    public async Task A_stream_cut_mid_way_reconnects_with_backoff_and_the_summary_counts_it()
    {
        using var server = new LoopbackHttpServer(ClipH264Ts(loops: 4), cutFirst: 1);
        var log = new ListLogger();
        var input = new SourceOptions { Reconnect = 2, ReconnectDelay = TimeSpan.FromMilliseconds(100), StallTimeout = TimeSpan.FromSeconds(5) };
        using var det = Load();
        var s = await new VideoPipeline(det, new VideoPipelineOptions { Run = new() { Live = false }, Outputs = new() { Jsonl = fx.PathFor("reconnect.jsonl") }, LoggerFactory = log }, StreamSpec.Open(server.Url, input))
            .RunAsync();

        Assert.Equal(1, s.Reconnects);
        Assert.Equal(2, server.Requests);
        // The first response carried about half of the 4 loops of the clip (~96 frames), the second all 192.
        Assert.InRange(s.Frames, 5 * RealtimeFixture.VideoFrames, 7 * RealtimeFixture.VideoFrames);
        Assert.Contains(log.Lines, l => l.StartsWith($"stream {server.Url} failed (stream {server.Url} failed after ", StringComparison.Ordinal)
                                  && l.EndsWith("reconnecting in 0.1 s (attempt 1 of 2)", StringComparison.Ordinal));
        Assert.Contains($"stream {server.Url} reconnected (1 reconnect(s) so far)", log.Lines);
        Assert.Contains(", 1 reconnect(s)", s.ToString());
    }

    [Fact]
    public void A_stream_that_cannot_be_reached_is_one_clear_error_and_reconnects_give_up_after_N()
    {
        int port = FreePort.Tcp(); // nothing listens there
        string url = $"http://127.0.0.1:{port}/live.ts";
        var e = Assert.Throws<VideoSourceException>(() => FrameSources.Open(url, null, new SourceOptions(), Tool, null));
        Assert.Equal($"cannot open stream {url}: Connection refused", e.Message);

        // A stream that is cut and whose server is then gone: every reconnect attempt is refused.
        var log = new ListLogger();
        var server = new LoopbackHttpServer(ClipH264Ts(loops: 4), cutFirst: 1);
        using var source = FrameSources.Open(server.Url, null, new SourceOptions { Reconnect = 2, ReconnectDelay = TimeSpan.FromMilliseconds(50) }, Tool, log);
        server.Dispose();
        int frames = 0;
        var failed = Assert.Throws<VideoSourceException>(() => { while (source.Read() is { } m) { m.Dispose(); frames++; } });
        Assert.Equal($"cannot open stream {server.Url}: Connection refused; gave up after 2 reconnect attempt(s) in a row", failed.Message);
        Assert.InRange(frames, 1, 4 * RealtimeFixture.VideoFrames - 1);
        Assert.Equal(0, source.Reconnects);
        Assert.Contains(log.Lines, l => l.StartsWith($"stream {server.Url} failed (stream {server.Url} failed after {frames} frames: ", StringComparison.Ordinal)
                                  && l.EndsWith("reconnecting in 0.05 s (attempt 1 of 2)", StringComparison.Ordinal));
        // The backoff doubles.
        Assert.Contains($"stream {server.Url} could not be reopened (cannot open stream {server.Url}: Connection refused); reconnecting in 0.1 s (attempt 2 of 2)", log.Lines);
    }

    [Fact]
    public void A_silent_udp_stream_fails_after_the_stall_timeout_instead_of_waiting_forever()
    {
        // Which timeout ended the wait is in the message, not in a wall-clock bound: the 1 s stall timeout makes ffmpeg
        // fail its read (ffmpeg 5.1: "udp://...: Input/output error"); the open timeout, far longer, would say "no video
        // within 120 s". A loaded machine slows ffmpeg's start, not which of the two fires.
        string url = $"udp://127.0.0.1:{FreePort.Udp()}";
        var e = Assert.Throws<VideoSourceException>(() =>
            FrameSources.Open(url, null, new SourceOptions { StallTimeout = TimeSpan.FromSeconds(1), OpenTimeout = TimeSpan.FromSeconds(120) }, Tool, null));
        Assert.StartsWith($"cannot open stream {url}", e.Message);
        Assert.DoesNotContain("no video within", e.Message);
    }

    [Fact]
    public void Without_ffmpeg_a_url_goes_to_OpenCV_and_the_log_says_why()
    {
        var log = new ListLogger();
        string url = $"udp://127.0.0.1:{FreePort.Udp()}";
        var e = Assert.Throws<VideoSourceException>(() => FrameSources.Open(url, null, new SourceOptions(), null, log));
        Assert.Equal($"cannot open stream {url}", e.Message);
        Assert.Equal($"ffmpeg not found on PATH: opening {url} through OpenCV instead, whose FFmpeg may lack network support (install ffmpeg)", Assert.Single(log.Lines));
    }

    private sealed class SyncProgress(Action<PipelineProgress> a) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => a(value);
    }
}
