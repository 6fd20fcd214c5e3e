using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using OpenCvSharp.Dnn;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Rendering;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video;

namespace Tood.Live.Bench;

/// <summary>
/// Measures, in one process and on one loaded <see cref="Detector"/>: (1) raw session throughput on
/// pre-filled input buffers — the ceiling any pipeline can reach; (2) the file-mode <see cref="VideoPipeline"/>
/// (decode → letterbox → infer → decode/NMS → draw → mp4); (3) the same steps in one thread, in sequence;
/// (4) OpenCV DNN on the same .onnx, or the exact reason it cannot load/run it.
/// </summary>
public static class BenchRunner
{
    public static async Task<BenchReport> RunAsync(BenchOptions o, CancellationToken ct = default)
    {
        if (o.Batch < 1) throw new ArgumentOutOfRangeException(nameof(o), "--batch must be ≥ 1");
        if (o.Frames < 1) throw new ArgumentOutOfRangeException(nameof(o), "--frames must be ≥ 1");
        var log = o.LoggerFactory.CreateLogger(typeof(BenchRunner));
        using var detector = Load(o, o.Cpu);
        bool cpu = detector.Device.Kind == DeviceKind.Cpu;
        // A skeptic's baselines: on CPU the raw and naive modes are also run with ONNX Runtime's defaults and
        // with one run on every core (spin-waiting on), and each ratio divides by the fastest baseline, so
        // the pipeline is never compared with a handicapped one.
        var baselineConfigs = cpu
            ? new[] { ("ORT defaults", new CpuThreading(null, null, 1)), ("1 run x all cores, spinning", new CpuThreading(Environment.ProcessorCount, true, 1)) }
            : [];
        var tmp = Directory.CreateTempSubdirectory("tood-bench-").FullName;
        try
        {
            string size;
            using (var probe = VideoCaptureSource.OpenFile(o.Source)) size = $"{probe.Width}x{probe.Height}";

            log.LogInformation("raw: session.Run on pre-filled buffers ...");
            var raw = Raw(detector, o);
            log.LogInformation("pipeline: VideoPipeline file mode with mp4 output ...");
            var (pipe, summary) = await Pipeline(detector, o, Path.Combine(tmp, "pipeline.mp4"), ct);
            log.LogInformation("naive: single-thread loop ...");
            var (naive, naiveStages) = Naive(detector, o, Path.Combine(tmp, "naive.mp4"), ct);

            var baselines = new List<Baseline>();
            foreach (var (name, config) in baselineConfigs)
            {
                log.LogInformation("baselines with {Threading} ...", name);
                using var d = Load(o, config);
                baselines.Add(new Baseline(name, config.ToString(), Raw(d, o), Naive(d, o, Path.Combine(tmp, "naive-baseline.mp4"), ct).Item1));
            }
            var dnn = o.SkipOpenCvDnn ? new OpenCvDnnResult(false, null, "skipped (--no-opencv-dnn)") : OpenCvDnn(detector, o);

            var m = detector.Model;
            double bestRaw = baselines.Select(b => b.Raw.Fps).Append(raw.Fps).Max(), bestNaive = baselines.Select(b => b.Naive.Fps).Append(naive.Fps).Max();
            return new BenchReport
            {
                Model = Path.GetFullPath(o.Model), Preset = m.Preset, Input = $"{m.InputWidth}x{m.InputHeight}", Source = Path.GetFullPath(o.Source),
                SourceSize = size, Batch = o.Batch, Device = detector.Device.ToString(), ProcessorCount = Environment.ProcessorCount,
                CpuThreading = cpu ? o.Cpu.ToString() : "n/a",
                Raw = raw, Pipeline = pipe, PipelineStageMs = StageMs.From(summary.StageMs), PipelineLatencyMs = summary.MeanLatencyMs,
                Naive = naive, NaiveStageMs = naiveStages, Baselines = baselines, OpenCvDnn = dnn,
                PipelineOverRaw = pipe.Fps / raw.Fps, PipelineOverBestRaw = pipe.Fps / bestRaw,
                PipelineOverNaive = pipe.Fps / naive.Fps, PipelineOverBestNaive = pipe.Fps / bestNaive,
                PeakWorkingSetMb = PeakWorkingSet() / 1048576.0, Bound = CpuBound.Of(raw, naive, pipe, Environment.ProcessorCount),
            };
        }
        finally
        {
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
        }
    }

    internal static Detector Load(BenchOptions o, CpuThreading cpu) =>
        Detector.Load(o.Model, new DetectorOptions
        {
            Device = o.Device, MaxBatch = o.Batch, BufferSets = 4, LoggerFactory = o.LoggerFactory,
            Cpu = cpu,
        });

    /// <summary>The file-mode VideoPipeline on the first F frames, mp4 written to <paramref name="output"/>.</summary>
    internal static async Task<(ModeResult Result, RunSummary Summary)> Pipeline(Detector detector, BenchOptions o, string output, CancellationToken ct)
    {
        var cpu0 = CpuSeconds();
        RunSummary summary;
        using (var src = new LimitedFrameSource(VideoCaptureSource.OpenFile(o.Source), o.Frames))
        {
            // DrawStatus: the same drawing work as the naive loop, which draws an FPS line on every frame.
            var pipeline = new VideoPipeline(detector, new VideoPipelineOptions
            {
                Run = new() { Batch = o.Batch }, Render = new() { DrawStatus = true }, Outputs = new() { Video = output, Codec = o.Codec, Ffmpeg = o.Ffmpeg }, LoggerFactory = o.LoggerFactory,
            }, StreamSpec.Of(src));
            summary = await pipeline.RunAsync(ct);
        }
        return (ModeResult.Of(summary.Frames, summary.Seconds, CpuSeconds() - cpu0, PeakWorkingSet()), summary);
    }

    private static double CpuSeconds() => ProcessCpu.TotalSeconds();

    private static long PeakWorkingSet()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64;
    }

    /// <summary>Real frames letterboxed once, then only session.Run in a loop (one warm-up run first), from as
    /// many threads as the engine allows runs in flight, each on its own slot.</summary>
    internal static ModeResult Raw(Detector detector, BenchOptions o)
    {
        var engine = detector.Engine;
        int workers = engine.ConcurrentRuns;
        var slots = Enumerable.Range(0, workers).Select(_ => engine.Rent()).ToList();
        try
        {
            foreach (var slot in slots)
            {
                FillSlot(slot, o.Source, o.Batch);
                engine.Run(slot); // warm-up: ORT allocates its arena on the first run
            }
            int runs = Math.Max(workers, (o.Frames + o.Batch - 1) / o.Batch);
            int next = 0;
            var cpu0 = CpuSeconds();
            var sw = Stopwatch.StartNew();
            var threads = slots.Select(slot => new Thread(() =>
            {
                while (Interlocked.Increment(ref next) <= runs) engine.Run(slot);
            })).ToList();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            sw.Stop();
            return ModeResult.Of((long)runs * o.Batch, sw.Elapsed.TotalSeconds, CpuSeconds() - cpu0, PeakWorkingSet());
        }
        finally { foreach (var slot in slots) engine.Return(slot); }
    }

    private static void FillSlot(InferenceSlot slot, string video, int batch)
    {
        using var src = VideoCaptureSource.OpenFile(video);
        var frames = new List<Mat>(batch);
        try
        {
            // A video shorter than the batch repeats its last frame.
            for (int i = 0; i < batch; i++) frames.Add(src.Read() ?? frames[^1].Clone());
            slot.Load(frames, 0, batch, new Letterbox[batch]);
        }
        finally { foreach (var f in frames) f.Dispose(); }
    }

    /// <summary>The same work as the pipeline, one step after the other on one thread (batch of <c>o.Batch</c> frames per run).</summary>
    private static (ModeResult, StageMs) Naive(Detector detector, BenchOptions o, string outPath, CancellationToken ct)
    {
        var engine = detector.Engine;
        using var src = new LimitedFrameSource(VideoCaptureSource.OpenFile(o.Source), o.Frames);
        // The pipeline's encoder (H.264 through an ffmpeg child by default): its CPU is counted once it has exited.
        using var writer = VideoOutputs.Create(outPath, src.Width, src.Height, IFrameSource.UsableRate(src.Fps), o.Codec, o.Ffmpeg, null, out _);
        var renderer = new OverlayRenderer();
        var slot = engine.Rent();
        var frames = new List<Mat>(o.Batch);
        var geometry = new Letterbox[o.Batch];
        var dets = new List<Detection>[o.Batch];
        for (int i = 0; i < o.Batch; i++) dets[i] = [];
        long capture = 0, pre = 0, infer = 0, post = 0, render = 0, write = 0, n = 0;
        var cpu0 = CpuSeconds();
        var wall = Stopwatch.StartNew();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                long t0 = Stopwatch.GetTimestamp();
                while (frames.Count < o.Batch && src.Read() is { } f) frames.Add(f);
                if (frames.Count == 0) break;
                long t1 = Stopwatch.GetTimestamp();
                slot.Load(frames, 0, frames.Count, geometry);
                long t2 = Stopwatch.GetTimestamp();
                engine.Run(slot);
                long t3 = Stopwatch.GetTimestamp();
                for (int i = 0; i < frames.Count; i++)
                {
                    dets[i].Clear();
                    detector.Decode(slot, i, geometry[i], frames[i].Width, frames[i].Height, dets[i]);
                }
                long t4 = Stopwatch.GetTimestamp();
                for (int i = 0; i < frames.Count; i++)
                {
                    double fps = n > 0 ? n / wall.Elapsed.TotalSeconds : 0;
                    renderer.Draw(frames[i], dets[i], string.Create(CultureInfo.InvariantCulture, $"FPS {fps:0.0}"));
                }
                long t5 = Stopwatch.GetTimestamp();
                for (int i = 0; i < frames.Count; i++) writer.Write(new ProcessedFrame(n + i, 0, frames[i], dets[i]));
                long t6 = Stopwatch.GetTimestamp();
                capture += t1 - t0; pre += t2 - t1; infer += t3 - t2; post += t4 - t3; render += t5 - t4; write += t6 - t5;
                n += frames.Count;
                foreach (var f in frames) f.Dispose();
                frames.Clear();
            }
            writer.Complete(); // waits for the encoder to finish the file
            wall.Stop();
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
            engine.Return(slot);
        }
        double Ms(long ticks) => n == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / n;
        return (ModeResult.Of(n, wall.Elapsed.TotalSeconds, CpuSeconds() - cpu0, PeakWorkingSet()),
            new StageMs(Ms(capture), Ms(pre), 0, Ms(infer), Ms(post), Ms(render), Ms(write)));
    }

    /// <summary>OpenCV DNN on the same file and the same letterboxed uint8 NHWC input; any failure is reported verbatim.</summary>
    private static unsafe OpenCvDnnResult OpenCvDnn(Detector detector, BenchOptions o)
    {
        Net? net;
        try
        {
            net = CvDnn.ReadNetFromOnnx(o.Model);
            if (net is null || net.Empty()) return new OpenCvDnnResult(false, null, "CvDnn.ReadNetFromOnnx returned an empty network");
        }
        catch (Exception e) // any failure to import is the answer we report (e.g. an unsupported ONNX op)
        {
            return new OpenCvDnnResult(false, null, $"load failed ({e.GetType().Name}): " + OneLine(e.Message));
        }
        using var _ = net;
        var engine = detector.Engine;
        var m = detector.Model;
        var slot = engine.Rent();
        try
        {
            FillSlot(slot, o.Source, o.Batch);
            using var blob = new Mat([o.Batch, m.InputHeight, m.InputWidth, 3], MatType.CV_8U);
            for (int i = 0; i < o.Batch; i++)
                slot.Image(i).CopyTo(new Span<byte>((byte*)blob.Data + (long)i * slot.Image(i).Length, slot.Image(i).Length));
            string[] names = [ModelContract.BoxesName, ModelContract.ScoresName];
            var outs = new Mat[] { new(), new() };
            try
            {
                net.SetInput(blob, ModelContract.InputName);
                net.Forward(outs, names); // warm-up (and the first place unsupported layers fail)
                int runs = Math.Max(1, (o.Frames + o.Batch - 1) / o.Batch);
                var cpu0 = CpuSeconds();
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < runs; i++)
                {
                    net.SetInput(blob, ModelContract.InputName);
                    net.Forward(outs, names);
                }
                sw.Stop();
                return new OpenCvDnnResult(true, ModeResult.Of((long)runs * o.Batch, sw.Elapsed.TotalSeconds, CpuSeconds() - cpu0, PeakWorkingSet()), null);
            }
            catch (Exception e)
            {
                return new OpenCvDnnResult(true, null, $"forward failed ({e.GetType().Name}): " + OneLine(e.Message));
            }
            finally { foreach (var x in outs) x.Dispose(); }
        }
        finally { engine.Return(slot); }
    }

    private static string OneLine(string s) => string.Join(" ", s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
