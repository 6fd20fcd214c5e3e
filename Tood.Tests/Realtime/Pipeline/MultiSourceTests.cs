using System.Text.Json;
using Tood.Live.Bench;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Video;
using Tood.Tests.Cli;
using Tood.Tests.Realtime.Fixtures;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Realtime.Pipeline;

/// <summary>
/// Several sources in one process (issue 17): one model session and batcher shared by every stream, with per-stream
/// outputs, trackers and statistics; a stream that fails is reported (and reconnected) without stopping the others.
/// </summary>
[Collection(RealtimeCollection.Name)]
public class MultiSourceTests(RealtimeFixture fx, ITestOutputHelper output)
{
    private Detector Load(int maxBatch = 1) => Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu, BufferSets = 4, MaxBatch = maxBatch });

    private static List<JsonElement> Jsonl(string path) => [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public async Task Two_files_get_their_own_outputs_with_each_inputs_frames_and_the_detections_and_track_ids_of_a_single_source_run()
    {
        string dir = fx.PathFor("multi_files");
        Directory.CreateDirectory(dir);
        // Different lengths, sizes and rates; the second comes from a --sources file.
        string a = Path.Combine(dir, "long.mp4"), b = Path.Combine(dir, "small.mp4"), list = Path.Combine(dir, "more.txt");
        TestVideo.Write(a, 30, 320, 240);
        TestVideo.Write(b, 17, 256, 192, fps: 12);
        File.WriteAllText(list, $"# the second camera\n\n  {b}  \n");

        var multi = await CliRun.Live("--source", a, "--sources", list, "--model", fx.Model, "--track",
            "--output", Path.Combine(dir, "{name}_det.mp4"), "--save-json", Path.Combine(dir, "multi_{i}.jsonl"), "--save-csv", Path.Combine(dir, "multi_{name}.csv"));
        output.WriteLine(multi.Out + multi.Err);
        Assert.Equal(0, multi.Code);
        Assert.Contains("tood-live: source 1: " + a + ": 320x240 @ 24 fps, 30 frames", multi.Err);
        Assert.Contains("tood-live: source 2: " + b + ": 256x192 @ 12 fps, 17 frames", multi.Err);
        Assert.Contains("tood-live: 2 sources, file mode; model", multi.Err);
        Assert.StartsWith("47 frames in ", multi.Out);
        Assert.Contains($"\nstream 1 {a}: 30 frames (", multi.Out);
        Assert.Contains($"\nstream 2 {b}: 17 frames (", multi.Out);
        Assert.Contains($"save-json: {Path.Combine(dir, "multi_2.jsonl")}", multi.Out);

        foreach (var (src, k, frames, w, h) in new[] { (a, 1, 30, 320, 240), (b, 2, 17, 256, 192) })
        {
            string name = Path.GetFileNameWithoutExtension(src), single = Path.Combine(dir, $"single_{k}.jsonl");
            Assert.Equal((frames, w, h), TestVideo.Probe(Path.Combine(dir, $"{name}_det.mp4")));
            var one = await CliRun.Live("--source", src, "--model", fx.Model, "--track", "--save-json", single);
            Assert.Equal(0, one.Code);
            // Same model, batch 1: every line equal, track IDs included — so each stream had its own tracker (a shared
            // one would number the second stream's tracks after the first's and mix their motion).
            var lines = File.ReadAllLines(Path.Combine(dir, $"multi_{k}.jsonl"));
            Assert.Equal(File.ReadAllLines(single), lines);
            Assert.Equal(frames, lines.Length);
            Assert.Contains("\"track_id\":", lines[^1]);
            Assert.True(File.ReadAllLines(Path.Combine(dir, $"multi_{name}.csv")).Length > frames); // header + ≥ 1 box per frame
        }
    }

    /// <summary>Needs a model slower than the two 20 fps sources together; on a machine that runs it faster each run
    /// finds one frame, and the test is skipped saying so.</summary>
    [SkippableFact]
    public async Task In_live_mode_a_run_takes_the_newest_frame_of_each_stream_so_batches_hold_frames_of_both()
    {
        const int Frames = 60;
        const double Fps = 20; // 3 s of each stream: several runs even when the shared machine makes a run take a second
        using var det = Detector.Load(fx.TinyModel640, new DetectorOptions { Device = DeviceSpec.Cpu, BufferSets = 4, MaxBatch = 2, Cpu = CpuThreading.ForMode(live: true) });
        using var person = new PacedFrameSource(new LimitedFrameSource(VideoCaptureSource.OpenFile(SharedData.PersonVideo), Frames), Fps);
        using var clip = new PacedFrameSource(new LimitedFrameSource(VideoCaptureSource.OpenFile(fx.Video), Frames), Fps);
        string jsonl = fx.PathFor("live_multi_{i}.jsonl");
        var s = await new VideoPipeline(det, new VideoPipelineOptions { Run = new() { Batch = 2 }, Outputs = new() { Jsonl = jsonl } }, [StreamSpec.Of(person), StreamSpec.Of(clip)]).RunAsync();
        output.WriteLine(s.ToString());

        Skip.If(s.StageMs.Infer <= 1000 / Fps / 2, $"the model ({s.StageMs.Infer:0.0} ms a run) is not slower than the two {Fps} fps sources together on this machine: no test of batching the newest frames");
        Assert.True(s.MeanBatchFill > 1.25, $"mean batch fill {s.MeanBatchFill:0.00}: runs did not take a frame of each stream: {s}");
        Assert.Equal(s.Frames, s.BatchedFrames);
        Assert.Equal(2, s.Streams!.Count);
        int[] widths = [SharedData.PersonVideoWidth, RealtimeFixture.VideoWidth];
        int[] captured = [Frames, RealtimeFixture.VideoFrames]; // the clip ends earlier: its part just ends
        for (int k = 0; k < 2; k++)
        {
            var st = s.Streams[k];
            Assert.Equal(k + 1, st.Number);
            Assert.Equal(captured[k], st.FramesCaptured);
            Assert.Equal(st.FramesCaptured, st.Frames + st.DroppedFrames); // each frame processed or dropped, per stream
            Assert.InRange(st.Frames, 1, Frames);
            // Each latency is a span within the run (capture → render), whatever the machine's speed.
            Assert.InRange(st.MeanLatencyMs, double.Epsilon, 1000 * s.Seconds);
            Assert.InRange(st.P95LatencyMs, double.Epsilon, 1000 * s.Seconds);
            var lines = Jsonl(fx.PathFor($"live_multi_{k + 1}.jsonl"));
            Assert.Equal(st.Frames, lines.Count);
            Assert.All(lines, l => Assert.Equal(widths[k], l.GetProperty("width").GetInt32())); // no frame went to the other stream's output
            var index = lines.Select(l => l.GetProperty("frame").GetInt64()).ToList();
            Assert.Equal(index.Order(), index);
        }
        Assert.Equal(s.Streams.Sum(x => x.DroppedFrames), s.DroppedFrames);
        Assert.Contains("\nstream 2 " + fx.Video + ":", s.ToString());
    }

    [Fact]
    public async Task A_stream_cut_mid_way_reconnects_while_the_other_stream_delivers_every_frame()
    {
        using var cut = new LoopbackHttpServer(fx.ClipH264Ts(loops: 2), cutFirst: 1);
        using var whole = new LoopbackHttpServer(fx.ClipH264Ts(loops: 1));
        var log = new ListLogger();
        var input = new SourceOptions { Reconnect = 2, ReconnectDelay = TimeSpan.FromMilliseconds(100), StallTimeout = TimeSpan.FromSeconds(5) };
        using var det = Load();
        // File mode over the network (Live = false): no frame dropped, so the counts are exact.
        var s = await new VideoPipeline(det, new VideoPipelineOptions
        {
            Run = new() { Live = false },
            Outputs = new() { Jsonl = fx.PathFor("multi_reconnect_{i}.jsonl") },
            LoggerFactory = log,
        }, [StreamSpec.Open(cut.Url, input), StreamSpec.Open(whole.Url, input)]).RunAsync();
        output.WriteLine(s.ToString());

        Assert.Equal(2, cut.Requests);
        var streams = s.Streams!;
        Assert.Equal([1, 0], streams.Select(x => x.Reconnects));
        Assert.Equal(1, s.Reconnects);
        Assert.All(streams, x => Assert.Null(x.Error));
        Assert.Equal(RealtimeFixture.VideoFrames, streams[1].Frames);
        // The first response carried about half of the 2 loops (~48 frames), the second all 96.
        Assert.InRange(streams[0].Frames, 2.5 * RealtimeFixture.VideoFrames, 3.5 * RealtimeFixture.VideoFrames);
        Assert.Equal(Enumerable.Range(0, RealtimeFixture.VideoFrames), Jsonl(fx.PathFor("multi_reconnect_2.jsonl")).Select(l => l.GetProperty("frame").GetInt32()));
        Assert.Contains($"stream {cut.Url} reconnected (1 reconnect(s) so far)", log.Lines);
        Assert.Contains($"\nstream 1 {cut.Url}: {streams[0].Frames} frames (", s.ToString());
        Assert.Contains(", 1 reconnect(s)\n", s.ToString());
    }

    [Fact]
    public async Task Without_reconnect_a_failed_stream_is_reported_in_one_line_the_other_finishes_and_the_run_fails()
    {
        using var cut = new LoopbackHttpServer(fx.ClipH264Ts(loops: 2), cutFirst: 1);
        using var whole = new LoopbackHttpServer(fx.ClipH264Ts(loops: 1));
        var log = new ListLogger();
        using var det = Load();
        var e = await Assert.ThrowsAsync<VideoSourceException>(() => new VideoPipeline(det, new VideoPipelineOptions
        {
            Run = new() { Live = false },
            Outputs = new() { Jsonl = fx.PathFor("multi_failed_{i}.jsonl") },
            LoggerFactory = log,
        }, [StreamSpec.Open(cut.Url), StreamSpec.Open(whole.Url)]).RunAsync());

        Assert.StartsWith($"1 of 2 streams failed: stream 1 ({cut.Url}): stream {cut.Url} failed after ", e.Message);
        var reported = Assert.Single(log.Lines, l => l.StartsWith("stream 1 (", StringComparison.Ordinal));
        Assert.EndsWith("; the other streams go on", reported);
        var s = e.Summary!;
        Assert.Equal(RealtimeFixture.VideoFrames, s.Streams![1].Frames);
        Assert.Null(s.Streams[1].Error);
        Assert.NotNull(s.Streams[0].Error);
        Assert.InRange(s.Streams[0].Frames, 1, 2 * RealtimeFixture.VideoFrames - 1);
        // The failed stream's output up to the failure is kept and complete.
        Assert.Equal(s.Streams[0].Frames, Jsonl(fx.PathFor("multi_failed_1.jsonl")).Count);
        Assert.Contains("; FAILED: stream " + cut.Url, s.ToString());

        // tood-live: the same in live mode; the summary (with both streams) is printed, then the error line, exit 1.
        using var cut2 = new LoopbackHttpServer(fx.ClipH264Ts(loops: 2), cutFirst: 1);
        using var whole2 = new LoopbackHttpServer(fx.ClipH264Ts(loops: 1));
        string jsonl = fx.PathFor("cli_failed_{i}.jsonl");
        var r = await CliRun.Live("--source", cut2.Url, "--source", whole2.Url, "--model", fx.Model, "--save-json", jsonl);
        Assert.Equal(1, r.Code);
        Assert.Contains($"tood-live: error: 1 of 2 streams failed: stream 1 ({cut2.Url}): stream {cut2.Url} failed after ", r.Err);
        Assert.Contains($"\nstream 2 {whole2.Url}: ", r.Out);
        Assert.NotEmpty(File.ReadAllLines(fx.PathFor("cli_failed_2.jsonl")));
    }

    [Fact]
    public async Task Output_names_without_a_placeholder_clashing_names_and_mixed_live_and_file_sources_are_one_line_each()
    {
        string v = fx.Video;
        var noPattern = await CliRun.Live("--source", v, "--source", v, "--model", fx.Model, "--output", "out.mp4");
        Assert.Equal(2, noPattern.Code);
        Assert.Equal("tood-live: error: --output out.mp4: with 2 sources give a pattern with {i} (source number) or {name} (source name), e.g. out_{i}.mp4 (see tood-live --help)",
            noPattern.ErrorLine);

        string clashing = fx.PathFor("{name}.jsonl");
        var clash = await CliRun.Live("--source", v, "--source", v, "--model", fx.Model, "--save-json", clashing);
        Assert.Equal(2, clash.Code);
        Assert.Equal($"tood-live: error: --save-json {clashing}: sources 1 and 2 would both write {fx.PathFor("clip.jsonl")}; use {{i}} (see tood-live --help)", clash.ErrorLine);

        using var server = new LoopbackHttpServer(fx.ClipH264Ts());
        var mixed = await CliRun.Live("--source", v, "--source", server.Url, "--model", fx.Model);
        Assert.Equal(2, mixed.Code);
        Assert.EndsWith($"error: cannot mix a live source ({server.Url}) with a file ({v}) in one run: add --realtime to replay the files live (see tood-live --help)",
            mixed.Err.Trim());

        var missing = await CliRun.Live("--sources", fx.PathFor("nope.txt"), "--model", fx.Model);
        Assert.Equal(1, missing.Code);
        Assert.Equal($"tood-live: error: --sources {fx.PathFor("nope.txt")}: file not found", missing.ErrorLine);
    }

    [Theory]
    [InlineData("videos/street cam.mp4", "street_cam")]
    [InlineData("rtsp://10.0.0.5:554/live/main", "main")]
    [InlineData("http://cam.local:8080/", "cam.local_8080")]
    [InlineData("udp://127.0.0.1:1234", "127.0.0.1_1234")]
    [InlineData("camera 0", "camera0")]
    public void A_sources_name_is_its_file_name_or_last_url_segment_made_safe_for_a_file_name(string source, string name)
    {
        Assert.Equal(name, StreamOutputs.NameOf(source));
        Assert.Equal($"out/{name}_3.mp4", StreamOutputs.Expand("out/{name}_{i}.mp4", 3, StreamOutputs.NameOf(source)));
    }
}
