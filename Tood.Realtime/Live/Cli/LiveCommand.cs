using System.Globalization;
using Tood.CommandLine;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Video;

namespace Tood.Live.Cli;

/// <summary>The <c>tood-live</c> command: parse options, load the detector, run the <see cref="VideoPipeline"/>, print a summary.</summary>
public static class LiveCommand
{
    public const int ExitOk = 0, ExitError = 1, ExitUsage = 2, ExitInterrupted = 130;

    public const string Help = """
        tood-live — real-time TOOD object detection on video, a camera or a stream (ONNX Runtime + OpenCV)

        usage: tood-live (--camera N | --source FILE_OR_URL) --model M.onnx [options]
               tood-live bench --model M.onnx --source VIDEO [--batch N] [--frames F] [--json OUT]   (see tood-live bench --help)

        input (exactly one):
          --camera N            camera index (live mode: stale frames are dropped, capture never waits)
          --source PATH|URL     video file (every frame processed, in order) or stream URL rtsp://, http:// (live mode)
        model:
          --model M.onnx        model exported by 'tood-train export' (Tood metadata required)
          --device D            auto (default) | cpu | dml[:adapter] | cuda[:id]; auto = DirectML on Windows,
                                else CUDA, else CPU (logged). An explicitly requested device that is missing is an error.
          --batch N             frames per model run (default 1; file mode fills batches, live mode never waits)
          --cpu-runs N          CPU provider: model runs in flight at once (default: one per core in file mode,
                                1 in live mode)
          --cpu-threads N       CPU provider: ONNX Runtime intra-op threads per run (default: 1 in file mode,
                                one per core in live mode)
          --cpu-spin on|off     CPU provider: let idle ORT threads spin-wait (default off: the pipeline's decode,
                                drawing and encode threads need those cores; see BENCHMARKS.md)
        detection:
          --conf T              score threshold, default 0.25 (COCO evaluation uses 0.05)
          --iou T               class-aware NMS IoU threshold, default 0.6
          --max-det N           detections kept per frame, default 100
          --classes a,b         only these classes, by name or index (e.g. person,car or 0,2)
        output:
          --output OUT.mp4      annotated video (mp4v), same size and frame count as the input (÷ --vid-stride)
          --show | --no-show    show the annotated frames in a window ('q' or Esc stops); default --no-show
          --save-json D.jsonl   one JSON object per frame: {"frame","time","width","height","detections":[{"x1","y1","x2","y2","score","class_id","class"}]}
          --save-csv D.csv      one row per detection: frame,time,x1,y1,x2,y2,score,class_id,class
          --line-width W        box line width in pixels (default: scaled to the frame)
          --vid-stride K        process every K-th frame (default 1)
          -h, --help            this reference

        Coordinates are source-image pixels (x1,y1,x2,y2). Ctrl+C stops capture, finishes frames in flight
        and finalises every output (the mp4 plays). A progress bar (FPS, ETA) is drawn on stderr in file mode
        when stderr is a terminal; a run summary (FPS, per-stage ms, latency, dropped frames) ends every run.
        exit codes: 0 done, 1 error (bad model/video/camera/output path), 2 usage error, 130 interrupted.

        examples:
          tood-live --source traffic.mp4 --model tood_r50.onnx --output traffic_det.mp4 --save-json traffic.jsonl
          tood-live --camera 0 --model tood_tiny.onnx --show --conf 0.4 --classes person
        """;

    private static readonly HashSet<string> Flags = ["show", "no-show", "help"];

    /// <summary>Runs the command; returns the process exit code. Messages go to <paramref name="stderr"/>, the summary to <paramref name="stdout"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, bool interactiveStderr, CancellationToken ct)
    {
        if (args.Length > 0 && args[0] == "bench") return await Bench.BenchCommand.RunAsync(args[1..], stdout, stderr, ct);
        LiveOptions o;
        try
        {
            if (args.Length == 0 || args.Contains("-h") || args.Contains("--help")) { stdout.Write(Help); return args.Length == 0 ? ExitUsage : ExitOk; }
            o = LiveOptions.Parse(args);
        }
        catch (UsageException e) { return Fail(stderr, e.Message + " (see tood-live --help)", ExitUsage); }

        void Log(string m) => stderr.WriteLine($"tood-live: {m}");
        try
        {
            using var source = o.Camera is { } cam ? VideoCaptureSource.OpenCamera(cam) : VideoCaptureSource.OpenFile(o.Source!);
            var cpu = o.Cpu.Or(CpuThreading.ForMode(source.IsLive));
            using var detector = Detector.Load(o.Model, new DetectorOptions
            {
                Device = o.Device, MaxBatch = o.Batch, BufferSets = 4, Log = Log,
                Cpu = cpu,
                Decode = new DecodeOptions { ScoreThreshold = o.Conf, IouThreshold = o.Iou, MaxDetections = o.MaxDet },
            });
            if (o.Classes is not null)
                detector.DecodeOptions = detector.DecodeOptions with { Classes = ResolveClasses(o.Classes, detector.ClassNames) };
            var runDetector = detector;
            bool live = source.IsLive;
            Log($"{source.Description}: {source.Width}x{source.Height} @ {source.Fps:0.##} fps{(source.FrameCount is { } n ? $", {n} frames" : "")}, {(live ? "live mode" : "file mode")}; " +
                $"model {Path.GetFileName(o.Model)} ({runDetector.Model.Preset}, {runDetector.Model.InputWidth}x{runDetector.Model.InputHeight}, {runDetector.Model.NumClasses} classes) on {runDetector.Device}" +
                (runDetector.Device.Kind == DeviceKind.Cpu ? $" ({cpu})" : ""));
            if (o.Output is null && !o.Show && o.Json is null && o.Csv is null)
                Log("no --output, --show, --save-json or --save-csv given: detections are only counted");

            var bar = !live && interactiveStderr ? new ProgressBar(stderr) : null;
            var pipeline = new VideoPipeline(runDetector, new VideoPipelineOptions
            {
                OutputVideo = o.Output, Show = o.Show, JsonlPath = o.Json, CsvPath = o.Csv, Batch = o.Batch,
                VidStride = o.VidStride, LineWidth = o.LineWidth, Progress = bar, Log = Log,
            }, source);
            RunSummary summary;
            try { summary = await pipeline.RunAsync(ct); }
            finally { bar?.Finish(); }
            stdout.WriteLine(summary.ToString());
            foreach (var (flag, path) in new[] { ("output", o.Output), ("save-json", o.Json), ("save-csv", o.Csv) })
                if (path is not null) stdout.WriteLine($"{flag}: {Path.GetFullPath(path)}");
            return ct.IsCancellationRequested ? ExitInterrupted : ExitOk;
        }
        catch (UsageException e) { return Fail(stderr, e.Message + " (see tood-live --help)", ExitUsage); }
        catch (Exception e) when (e is FileNotFoundException or VideoSourceException or ModelContractException or WindowUnavailableException
                                      or ExecutionProviderUnavailableException or IOException or UnauthorizedAccessException)
        {
            return Fail(stderr, e.Message, ExitError);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { return ExitInterrupted; }
        catch (Exception e) { return Fail(stderr, $"{e.GetType().Name}: {e.Message}", ExitError); }
    }

    private static int Fail(TextWriter stderr, string message, int code)
    {
        stderr.WriteLine($"tood-live: error: {message}");
        return code;
    }

    /// <summary>Maps --classes entries (names or indices) to class indices.</summary>
    internal static HashSet<int> ResolveClasses(IReadOnlyList<string> items, IReadOnlyList<string> names)
    {
        var set = new HashSet<int>();
        foreach (var raw in items)
        {
            var item = raw.Trim();
            int idx = -1;
            for (int i = 0; i < names.Count; i++) if (string.Equals(names[i], item, StringComparison.OrdinalIgnoreCase)) { idx = i; break; }
            if (idx < 0 && int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) idx = n < names.Count ? n : -2;
            if (idx < 0)
                throw new UsageException($"--classes: '{item}' is not a class of this model ({names.Count} classes: {string.Join(",", names.Take(10))}{(names.Count > 10 ? ",..." : "")})");
            set.Add(idx);
        }
        return set;
    }
}

/// <summary>Parsed and range-checked tood-live options.</summary>
internal sealed record LiveOptions(int? Camera, string? Source, string Model, string? Output, bool Show, float Conf, float Iou, int MaxDet,
    IReadOnlyList<string>? Classes, int Batch, DeviceSpec Device, string? Json, string? Csv, int VidStride, int LineWidth, CpuThreading Cpu)
{
    public static LiveOptions Parse(string[] args)
    {
        var p = new ArgParser(args, new HashSet<string>(["show", "no-show", "help"]));
        if (p.Positionals.Count > 0) throw new UsageException($"unexpected argument '{p.Positionals[0]}'");
        bool hasCam = p.Has("camera"), hasSrc = p.Has("source");
        if (hasCam == hasSrc) throw new UsageException("give exactly one of --camera N or --source FILE_OR_URL");
        int? camera = hasCam ? p.Int("camera", 0) : null;
        string? source = p.String("source");
        string model = p.Required("model");
        bool show = p.Flag("show");
        if (p.Flag("no-show")) { if (show) throw new UsageException("--show and --no-show contradict each other"); }
        float conf = (float)p.Double("conf", 0.25);
        float iou = (float)p.Double("iou", 0.6);
        if (conf is < 0 or > 1) throw new UsageException($"--conf must be in [0,1], got {conf}");
        if (iou is < 0 or > 1) throw new UsageException($"--iou must be in [0,1], got {iou}");
        int maxDet = p.Int("max-det", 100);
        if (maxDet < 1) throw new UsageException($"--max-det must be ≥ 1, got {maxDet}");
        var classes = p.String("classes")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (classes is { Length: 0 }) throw new UsageException("--classes needs at least one class name or index");
        int batch = p.Int("batch", 1);
        if (batch < 1) throw new UsageException($"--batch must be ≥ 1, got {batch}");
        DeviceSpec device;
        try { device = DeviceSpec.Parse(p.String("device", "auto")!); }
        catch (FormatException e) { throw new UsageException(e.Message); }
        int stride = p.Int("vid-stride", 1);
        if (stride < 1) throw new UsageException($"--vid-stride must be ≥ 1, got {stride}");
        int lw = p.Int("line-width", 0);
        if (lw < 0) throw new UsageException($"--line-width must be ≥ 0, got {lw}");
        var output = p.String("output");
        if (output is not null && !output.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--output {output}: the video is written as mp4 (mp4v); use a .mp4 name");
        var json = p.String("save-json");
        var csv = p.String("save-csv");
        var cpu = CpuThreadingArgs.Parse(p);
        p.Flag("help");
        p.ThrowOnUnknown();
        return new LiveOptions(camera, source, model, output, show, conf, iou, maxDet, classes, batch, device, json, csv, stride, lw, cpu);
    }
}
