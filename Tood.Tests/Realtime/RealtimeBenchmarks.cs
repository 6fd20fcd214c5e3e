using System.Diagnostics;
using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Preprocess;
using Tood.Tests.Export;
using Tood.Tests.Realtime.Fixtures;
using Tood.Train.Export;
using Tood.Train.Model;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Realtime;

/// <summary>Runs only with TOOD_BENCH=1 (speed numbers belong in benchmarks, not in timed unit tests).</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("TOOD_BENCH") != "1") Skip = "benchmark: set TOOD_BENCH=1 to run";
    }
}

/// <summary>
/// Realtime speed numbers, printed to the test output:
/// <c>TOOD_BENCH=1 dotnet test Tood.sln -c Release --filter "FullyQualifiedName~RealtimeBenchmarks" --logger "console;verbosity=detailed"</c>.
/// </summary>
public class RealtimeBenchmarks(ITestOutputHelper output)
{
    private static double Ms(Stopwatch sw, int n) => sw.Elapsed.TotalMilliseconds / n;

    [BenchmarkFact]
    public unsafe void Letterbox_1280x720_to_640()
    {
        var mem = GC.AllocateArray<byte>(640 * 640 * 3, pinned: true);
        using var frame = new Mat(720, 1280, MatType.CV_8UC3);
        Cv2.Randu(frame, OpenCvSharp.Scalar.All(0), OpenCvSharp.Scalar.All(255));
        fixed (byte* p = mem)
        {
            using var target = new LetterboxTarget((nint)p, 640, 640);
            for (int i = 0; i < 20; i++) target.Write(frame);
            var sw = Stopwatch.StartNew();
            const int n = 500;
            for (int i = 0; i < n; i++) target.Write(frame);
            output.WriteLine($"letterbox 1280x720 -> 640x640 (INTER_LINEAR into pinned buffer): {Ms(sw, n):0.000} ms/frame");
        }
    }

    [BenchmarkFact]
    public void Nms_1000_candidates_and_decoder_at_640_with_80_classes()
    {
        var rng = new Random(3);
        const int c = 1000;
        var boxes = new float[c * 4];
        var scores = new float[c];
        var classes = new int[c];
        for (int i = 0; i < c; i++)
        {
            // 40 clusters of overlapping boxes, 5 classes: realistic suppression work.
            float cx = 100 + 400 * (i % 40) / 40f + rng.NextSingle() * 20, cy = 100 + rng.NextSingle() * 400, w = 40 + rng.NextSingle() * 60, h = 40 + rng.NextSingle() * 60;
            boxes[4 * i] = cx - w / 2; boxes[4 * i + 1] = cy - h / 2; boxes[4 * i + 2] = cx + w / 2; boxes[4 * i + 3] = cy + h / 2;
            scores[i] = rng.NextSingle();
            classes[i] = rng.Next(5);
        }
        var nms = new Nms();
        var keep = new int[c];
        for (int i = 0; i < 20; i++) nms.Run(boxes, scores, classes, c, 0.6f, 100, keep);
        var sw = Stopwatch.StartNew();
        const int n = 500;
        int kept = 0;
        for (int i = 0; i < n; i++) kept = nms.Run(boxes, scores, classes, c, 0.6f, 100, keep);
        output.WriteLine($"class-aware NMS, 1000 candidates, 5 classes, IoU 0.6, max-det 100: {Ms(sw, n):0.000} ms (kept {kept})");

        // Full decode: 640×640 → A = 8525 anchors, K = 80, sparse scores like a trained model (≈1% above 0.05).
        int[] levels = DetectionDecoder.LevelSizes(640, 640, [8, 16, 32, 64, 128]);
        int a = levels.Sum(), k = 80;
        var sc = new float[a * k];
        var bx = new float[a * 4];
        for (int i = 0; i < sc.Length; i++) sc[i] = rng.NextSingle() < 0.01f ? rng.NextSingle() : rng.NextSingle() * 0.04f;
        for (int i = 0; i < a; i++)
        {
            float x = rng.NextSingle() * 600, y = rng.NextSingle() * 600;
            bx[4 * i] = x; bx[4 * i + 1] = y; bx[4 * i + 2] = x + 40; bx[4 * i + 3] = y + 40;
        }
        var dec = new DetectionDecoder();
        var list = new List<Detection>();
        var lb = Letterbox.Compute(1280, 720, 640, 640);
        var names = Enumerable.Range(0, k).Select(i => $"c{i}").ToArray();
        foreach (var thr in new[] { 0.05f, 0.25f })
        {
            var opts = new DecodeOptions { ScoreThreshold = thr };
            for (int i = 0; i < 5; i++) { list.Clear(); dec.Decode(bx, sc, k, levels, opts, lb, 1280, 720, names, list); }
            sw.Restart();
            const int m = 50;
            for (int i = 0; i < m; i++) { list.Clear(); dec.Decode(bx, sc, k, levels, opts, lb, 1280, 720, names, list); }
            output.WriteLine($"decode 8525 anchors x 80 classes, score>{thr}, top-1000/level, NMS, max-det 100: {Ms(sw, m):0.00} ms ({list.Count} dets)");
        }
    }

    [BenchmarkFact]
    public async Task Pipeline_fps_vs_raw_session_on_random_tiny_at_640()
    {
        var dir = Environment.GetEnvironmentVariable("TOOD_BENCH_DIR") ?? Directory.CreateTempSubdirectory("tood-bench-").FullName;
        Directory.CreateDirectory(dir);
        var model = Path.Combine(dir, "tiny640.onnx");
        if (!File.Exists(model))
        {
            torch.manual_seed(7);
            using var m = ToodDetector.Create("tiny", 80);
            ExportTestSupport.Randomize(m, 7);
            m.eval();
            ToodOnnxExporter.Export(m, ExportTestSupport.Meta(m, 640, 640), new ExportOptions { InputWidth = 640, InputHeight = 640 }, model);
        }
        var video = Path.Combine(dir, "bench720p.mp4");
        if (!File.Exists(video)) TestVideo.Write(video, frames: 60, width: 1280, height: 720, fps: 30);
        ContractModelBuilder.Write(Path.Combine(dir, "colour.onnx"));
        if (!File.Exists(Path.Combine(dir, "clip.mp4"))) TestVideo.Write(Path.Combine(dir, "clip.mp4"));

        foreach (int batch in new[] { 1, 4 })
        {
            using var det = Detector.Load(model, new DetectorOptions { Device = DeviceSpec.Cpu, MaxBatch = batch, BufferSets = 4 });
            var slot = det.Engine.Rent();
            using (var f = TestVideo.Frame(0, 1280, 720))
                for (int i = 0; i < batch; i++) slot.Target(i).Write(f);
            slot.Count = batch;
            det.Engine.Run(slot);
            var sw = Stopwatch.StartNew();
            const int n = 10;
            for (int i = 0; i < n; i++) det.Engine.Run(slot);
            double raw = n * batch / sw.Elapsed.TotalSeconds;
            det.Engine.Return(slot);
            var s = await new VideoPipeline(det, new VideoPipelineOptions { Source = video, Batch = batch, OutputVideo = Path.Combine(dir, $"bench_b{batch}.mp4") }).RunAsync();
            output.WriteLine($"batch {batch}: raw session.Run {raw:0.00} img/s; pipeline 1280x720 -> 640 with mp4 output {s.MeanFps:0.00} FPS ({s.Frames} frames)");
            output.WriteLine(s.ToString());
        }
    }

    [BenchmarkFact]
    public async Task Long_run_memory_stays_flat()
    {
        var dir = Environment.GetEnvironmentVariable("TOOD_BENCH_DIR") ?? Directory.CreateTempSubdirectory("tood-bench-").FullName;
        Directory.CreateDirectory(dir);
        var model = Path.Combine(dir, "colour640.onnx");
        ContractModelBuilder.Write(model, 640);
        var video = Path.Combine(dir, "long640.mp4");
        if (!File.Exists(video)) TestVideo.Write(video, frames: 1500, width: 640, height: 480);
        // tood-live's file-mode CPU defaults: one single-threaded run per core in flight.
        using var det = Detector.Load(model, new DetectorOptions { Device = DeviceSpec.Cpu, MaxBatch = 2, BufferSets = 4, Cpu = CpuThreading.ForMode(live: false) });
        var rss = new List<(long Frame, long Mb)>();
        using var proc = Process.GetCurrentProcess();
        var progress = new Progress(p =>
        {
            if (p.Frames % 250 == 0) { proc.Refresh(); rss.Add((p.Frames, proc.WorkingSet64 >> 20)); }
        });
        var s = await new VideoPipeline(det, new VideoPipelineOptions
        {
            Source = video, Batch = 2, OutputVideo = Path.Combine(dir, "long_out.mp4"), JsonlPath = Path.Combine(dir, "long.jsonl"), Progress = progress,
        }).RunAsync();
        output.WriteLine(s.ToString());
        output.WriteLine("RSS MB by frame: " + string.Join(", ", rss.Select(r => $"{r.Frame}:{r.Mb}")));
        Assert.Equal(1500, s.Frames);
        Assert.True(rss[^1].Mb - rss[0].Mb < 40, "RSS grew by more than 40 MB between frame 250 and 1500");
    }

    private sealed class Progress(Action<PipelineProgress> a) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => a(value);
    }
}
