using System.CommandLine;
using Tood.CommandLine;
using Tood.Live.Cli.Options;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;

namespace Tood.Live.Cli;

/// <summary>
/// <c>tood-live</c> itself (the root command): detect objects in a video, camera or stream with the
/// <see cref="VideoPipeline"/> and print a summary. Options are declared here in help order; subcommands are
/// registered in <see cref="LiveCli"/>.
/// </summary>
internal sealed class LiveCommand : RootCommand, IHelpText
{
    // input
    private readonly Option<int?> _camera = CliOptions.OptionalInt("--camera", "N", "camera index (live mode: a model run takes the newest frame, older ones are dropped)", min: 0);
    private readonly Option<string[]> _source = CliOptions.Repeatable("--source", "PATH|URL",
        "video file (every frame processed, in order) or stream URL rtsp://, rtsps://, http(s)://, udp://, tcp://, srt:// (live mode; read through ffmpeg); " +
        "repeat it for several sources in one model session (outputs then need {i} or {name}, see below)");
    private readonly Option<string?> _sourceList = CliOptions.Text("--sources", "FILE", "more sources, one file or URL per line (# comments), after those of --source");
    private readonly InputOptions _input = new();
    // model
    private readonly Option<string> _model = CliOptions.RequiredText("--model", "M.onnx", "model exported by 'tood-train export' (Tood metadata required)");
    private readonly Option<DeviceSpec> _device = DeviceOption.Create("auto",
        "auto | cpu | dml[:adapter] | cuda[:id]; auto = DirectML on Windows, else CUDA, else CPU, and any GPU failure at start " +
        "falls back to CPU (logged). dml = the high-performance GPU, dml:N = DXGI adapter N (tood-live devices lists them). " +
        "An explicit device that is missing or fails to start is an error. A GPU lost during a run is rebuilt once; then auto " +
        "continues on CPU and an explicit device stops (exit 1).");
    private readonly Option<int> _batch = CliOptions.Int("--batch", "N", "frames per model run (file mode fills batches, live mode never waits)", 1, min: 1);
    private readonly CpuThreadingOptions _cpu = new();
    // detection
    private readonly DetectionOptions _detection = new();
    // tracking
    private readonly TrackingOptions _tracking = new();
    // output
    private readonly Option<string?> _output = CliOptions.Value<string?>("--output", "OUT.mp4",
        "annotated video, same size and frame count as the input (÷ --vid-stride); in live mode at the source's frame rate, "
        + "each processed frame repeated until the next (plays at real speed)", Mp4Path);
    private readonly CodecOption _codec = new(
        "encoder of --output: auto = H.264 if ffmpeg is installed, else mp4v through OpenCV (logged); h264/hevc are yuv420p with the moov atom first (plays in browsers) and need ffmpeg");
    private readonly CancellationToken _stopNow;
    private readonly Option<bool> _show = CliOptions.Flag("--show", "show the annotated frames in a window, with the FPS/latency banner ('q' or Esc stops)");
    private readonly Option<bool> _noShow = CliOptions.Flag("--no-show", "no window (the default)");
    private readonly Option<bool> _status = CliOptions.Flag("--status", "also draw the FPS/latency banner on the saved video (off by default: saved frames carry only the detections)");
    private readonly Option<string?> _json = CliOptions.Text("--save-json", "D.jsonl",
        "one JSON object per frame: {\"frame\", \"time\", \"width\", \"height\", \"detections\": [{\"x1\", \"y1\", \"x2\", \"y2\", \"score\", \"class_id\", \"class\"}]} (+ \"track_id\" with --track)");
    private readonly Option<string?> _csv = CliOptions.Text("--save-csv", "D.csv", "one row per detection: frame,time,x1,y1,x2,y2,score,class_id,class (+ track_id with --track)");
    private readonly Option<int> _lineWidth = CliOptions.Int("--line-width", "W", "box line width in pixels (0: scaled to the frame)", 0, min: 0);
    private readonly Option<int> _vidStride = CliOptions.Int("--vid-stride", "K", "process every K-th frame", 1, min: 1);

    private readonly DeviceFaultInjection? _faults;

    public LiveCommand() : this(default, null) { }

    /// <param name="stopNow">the second stop signal: stop at once, still finalising the outputs.</param>
    /// <param name="faults">test seam: a simulated GPU and lost-device faults (<see cref="DeviceFaultInjection"/>).</param>
    internal LiveCommand(CancellationToken stopNow, DeviceFaultInjection? faults) : base("tood-live — real-time TOOD object detection on video, a camera or a stream (ONNX Runtime + OpenCV)")
    {
        _stopNow = stopNow;
        _faults = faults;
        Options.Add(_camera);
        Options.Add(_source);
        Options.Add(_sourceList);
        _input.AddTo(this, _camera, _source, _sourceList);
        Options.Add(_model);
        Options.Add(_device);
        Options.Add(_batch);
        _cpu.AddTo(this);
        _detection.AddTo(this);
        _tracking.AddTo(this);
        Options.Add(_output);
        Options.Add(_codec.Option);
        Options.Add(_show);
        Options.Add(_noShow);
        Options.Add(_status);
        Options.Add(_json);
        Options.Add(_csv);
        Options.Add(_lineWidth);
        Options.Add(_vidStride);
        Validators.Add(r =>
        {
            if ((r.GetResult(_camera) is null) == (r.GetResult(_source) is null && r.GetResult(_sourceList) is null))
                r.AddError("give exactly one of --camera N or --source FILE_OR_URL (or --sources FILE)");
            else if (r.GetResult(_show) is not null && r.GetResult(_noShow) is not null) r.AddError("--show and --no-show contradict each other");
        });
        SetAction((parse, ct) => ExecuteAsync(parse, CliConsole.From(parse), ct));
    }

    public string Usage => """
        tood-live (--camera N | --source FILE_OR_URL ... | --sources FILE) --model M.onnx [options]
        tood-live bench --model M.onnx --source VIDEO [options]
        tood-live val --model M.onnx --data DATA [options]
        tood-live mot-eval --gt gt.txt --tracks T.txt
        """;

    public string Epilog => """
        Coordinates are source-image pixels (x1,y1,x2,y2). Ctrl+C, SIGTERM, SIGHUP (terminal closed) and SIGQUIT stop
        capture, finish the frames in flight and finalise every output (the mp4 plays); a second one stops at once,
        still finalising them. The log line "video I/O: ..." says what reads the input and what writes the video.
        A progress bar (FPS, ETA) is drawn on stderr in file mode when stderr is a terminal; a run summary (FPS,
        per-stage ms, latency, dropped frames, reconnects) ends every run.
        Options can also come from a response file: tood-live @args.rsp (one token or option per line).
        Several sources (--source A --source B ..., --sources FILE) share one model session: in file mode batches
        fill from all streams, in live mode a run takes the newest frame of each stream (so --batch N serves N
        streams per run). Each stream keeps its own outputs, tracker and statistics (a summary line per stream).
        Output names are patterns: {i} = the source's number (1, 2 ... in the order given), {name} = its file name
        without extension (URL: last path segment) — e.g. --output out/{name}_det.mp4 --save-json out/{i}.jsonl;
        a path without them is an error with several sources. Live and file sources cannot be mixed (add
        --realtime). A stream that fails for good (after --reconnect N attempts) is reported in one line and ends
        its part; the others run on, and the run then exits 1. A file that ends just ends its part.
        Exit codes: 0 done, 1 error (bad model/video/camera/output path; a file that stops decoding early, "decode
        failed at frame N of M", with the outputs kept up to there; a failed stream), 2 usage error, 128 + the
        signal when stopped by one (130 Ctrl+C, 143 SIGTERM).

        Examples:
          tood-live --source traffic.mp4 --model tood_r50.onnx --output traffic_det.mp4 --save-json traffic.jsonl
          tood-live --camera 0 --width 1280 --height 720 --fourcc MJPG --model tood_tiny.onnx --show --classes person
          tood-live --source rtsp://cam.local/stream --reconnect 5 --model tood_tiny.onnx --output cam.mp4
          tood-live --source street.mp4 --model tood_r50.onnx --track --trails 30 --output tracks.mp4 --save-mot tracks.txt
          tood-live --source rtsp://cam1/s --source rtsp://cam2/s --reconnect 5 --batch 2 --model tood_tiny.onnx --output cam{i}.mp4
        """;

    private static string Mp4Path(string path) => path.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase) ? path
        : throw new FormatException($"--output {path}: the video is written as mp4; use a .mp4 name");

    private async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken ct)
    {
        void Log(string m) => console.Error.WriteLine($"tood-live: {m}");
        var ffmpeg = FfmpegTool.Find();
        var names = parse.GetValue(_source)!.Concat(parse.GetValue(_sourceList) is { } list ? FrameSources.ReadList(list) : []).ToList();
        (Option, string?)[] flags = [(_output, parse.GetValue(_output)), (_json, parse.GetValue(_json)), (_csv, parse.GetValue(_csv)), (_tracking.SaveMot, parse.GetValue(_tracking.SaveMot))];
        AsUsageError(() => OutputPaths(names, flags)); // before opening anything
        IReadOnlyList<IFrameSource> sources = parse.GetValue(_camera) is { } camera
            ? [FrameSources.Open(null, camera, _input.Read(parse), ffmpeg, Log, ct)]
            : FrameSources.OpenAll(names, _input.Read(parse), ffmpeg, Log, ct);
        try
        {
            var outputs = OutputPaths([.. sources.Select(s => s.Description)], flags); // as the pipeline names them (a camera too)
            return await RunAsync(parse, console, sources, ffmpeg, outputs, Log, ct);
        }
        finally { foreach (var s in sources) s.Dispose(); }
    }

    private async Task<int> RunAsync(ParseResult parse, CliConsole console, IReadOnlyList<IFrameSource> sources, FfmpegTool? ffmpeg,
                                     List<(string Flag, string Path)> outputs, Action<string> log, CancellationToken ct)
    {
        void Log(string m) => log(m);
        string model = parse.GetRequiredValue(_model);
        string? output = parse.GetValue(_output), json = parse.GetValue(_json), csv = parse.GetValue(_csv);
        bool show = parse.GetValue(_show);
        int batch = parse.GetValue(_batch);
        bool live = AsUsageError(() => VideoPipeline.IsLive(new VideoPipelineOptions(), sources));
        var cpu = _cpu.Read(parse).Or(CpuThreading.ForMode(live));
        int vidStride = parse.GetValue(_vidStride);
        var trackers = sources.Select(s => _tracking.Read(parse, s.Fps / vidStride)).ToList();
        var tracking = trackers[0];
        var decode = _detection.Read(parse);
        if (tracking is not null && _tracking.LowersConfidence(parse, _detection.Conf)) decode = decode with { ScoreThreshold = tracking.LowThreshold };
        string? mot = parse.GetValue(_tracking.SaveMot);
        using var detector = Detector.Load(model, new DetectorOptions
        {
            Device = parse.GetValue(_device), MaxBatch = batch, BufferSets = 4, Log = Log, Cpu = cpu, Decode = decode, Faults = _faults,
        });
        if (_detection.ResolveClasses(parse, detector.ClassNames) is { } classes)
            detector.DecodeOptions = detector.DecodeOptions with { Classes = classes };
        static string Describe(IFrameSource s) => $"{s.Description}: {s.Width}x{s.Height} @ {s.Fps:0.##} fps{(s.FrameCount is { } n ? $", {n} frames" : "")}";
        if (sources.Count > 1)
            for (int k = 0; k < sources.Count; k++) Log($"source {k + 1}: {Describe(sources[k])}");
        Log($"{(sources.Count > 1 ? $"{sources.Count} sources" : Describe(sources[0]))}, {(live ? "live mode" : "file mode")}; " +
            $"model {Path.GetFileName(model)} ({detector.Model.Preset}, {detector.Model.InputWidth}x{detector.Model.InputHeight}, {detector.Model.NumClasses} classes) on {detector.Device}" +
            (detector.Device.Kind == DeviceKind.Cpu ? $" ({cpu})" : ""));
        if (tracking is not null)
            Log($"tracking: ByteTrack{(sources.Count > 1 ? " (one tracker per stream)" : "")}, detections ≥ {decode.ScoreThreshold:0.##} (high ≥ {tracking.HighThreshold:0.##}), lost tracks kept {tracking.TrackBuffer} frames, " +
                (tracking.ClassAware ? "per class" : "any class"));
        if (output is null && !show && json is null && csv is null && mot is null)
            Log("no --output, --show, --save-json, --save-csv or --save-mot given: detections are only counted");
        var bar = !live && console.InteractiveError ? new ProgressBar(console.Error) : null;
        var pipeline = new VideoPipeline(detector, new VideoPipelineOptions
        {
            OutputVideo = output, Codec = _codec.Read(parse), Ffmpeg = ffmpeg, Show = show, JsonlPath = json, CsvPath = csv, Batch = batch, DrawStatus = parse.GetValue(_status),
            VidStride = vidStride, LineWidth = parse.GetValue(_lineWidth), Progress = bar, Log = Log,
            Tracking = tracking, MotPath = mot, Trails = parse.GetValue(_tracking.Trails),
            StreamTracking = sources.Count > 1 && tracking is not null ? [.. trackers.Select(t => t!)] : null,
        }, sources);
        RunSummary summary;
        try { summary = await pipeline.RunAsync(ct, _stopNow); }
        catch (VideoSourceException e) when (e.Summary is { } partial)
        {
            PrintSummary(console, partial, outputs); // what was done before the source failed; its outputs are finalised
            throw;
        }
        finally { bar?.Finish(); }
        PrintSummary(console, summary, outputs);
        return ct.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    /// <summary>Every output file, per stream (<see cref="StreamOutputs"/>), for the summary.</summary>
    private static List<(string Flag, string Path)> OutputPaths(List<string> sources, (Option Option, string? Pattern)[] flags) =>
        sources.Count == 0 ? []
        : [.. flags.SelectMany(f => (StreamOutputs.ForStreams(f.Pattern, f.Option.Name, sources) ?? []).Select(p => (f.Option.Name.TrimStart('-'), p)))];

    /// <summary>An inconsistent combination found once the inputs are known is a usage error (exit 2), like the parser's.</summary>
    private static T AsUsageError<T>(Func<T> check)
    {
        try { return check(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    private static void PrintSummary(CliConsole console, RunSummary summary, List<(string Flag, string Path)> outputs)
    {
        console.Out.WriteLine(summary.ToString());
        foreach (var (flag, path) in outputs)
            if (File.Exists(path)) console.Out.WriteLine($"{flag}: {Path.GetFullPath(path)}");
    }
}
