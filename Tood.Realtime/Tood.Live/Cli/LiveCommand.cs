using System.CommandLine;
using Microsoft.Extensions.Logging;
using Tood.CommandLine;
using Tood.Live.Cli.Options;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;
using Tood.Realtime.Video.Images;

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
    private readonly Option<string[]> _source = CliOptions.Repeatable("--source", "PATH|DIR|GLOB|URL",
        "video file (every frame processed, in order), stream URL rtsp://, rtsps://, http(s)://, udp://, tcp://, srt:// (live mode; read through ffmpeg), "
        + "or images: an image file, a folder (its images sorted by name, not its subfolders) or a glob such as 'dir/*.jpg' or 'dir/**/*.png' (quote it); "
        + "repeat it for several sources in one model session (outputs then need {i} or {name}, see below)");
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
    private readonly Option<string?> _output = CliOptions.Text("--output", "OUT.mp4|DIR",
        "annotated video, same size and frame count as the input (÷ --vid-stride); in live mode at the source's frame rate, "
        + "each processed frame repeated until the next (plays at real speed). Image input: a folder (created if missing, not the input's) "
        + "that gets each annotated image under its own name, size and format");
    private readonly CodecOption _codec = new(
        "encoder of --output: auto = H.264 if ffmpeg is installed, else mp4v through OpenCV (logged); h264/hevc are yuv420p with the moov atom first (plays in browsers) and need ffmpeg");
    private readonly CancellationToken _stopNow;
    private readonly Option<bool> _show = CliOptions.Flag("--show", "show the annotated frames in a window, with the FPS/latency banner ('q' or Esc stops)");
    private readonly Option<bool> _noShow = CliOptions.Flag("--no-show", "no window (the default)");
    private readonly Option<bool> _status = CliOptions.Flag("--status", "also draw the FPS/latency banner on the saved video (off by default: saved frames carry only the detections)");
    private readonly Option<string?> _json = CliOptions.Text("--save-json", "D.jsonl",
        "one JSON object per frame: {\"frame\", \"time\", \"width\", \"height\", \"detections\": [{\"x1\", \"y1\", \"x2\", \"y2\", \"score\", \"class_id\", \"class\"}]} (+ \"track_id\" with --track); "
        + "image input: one per image, with \"file\" (its name) after \"frame\" (its position in the sorted list) and time 0");
    private readonly Option<string?> _csv = CliOptions.Text("--save-csv", "D.csv",
        "one row per detection: frame,time,x1,y1,x2,y2,score,class_id,class (+ track_id with --track); image input: frame,file,time,...");
    private readonly Option<string?> _coco = CliOptions.Text("--save-coco", "R.json",
        "detections as COCO results [{\"image_id\", \"category_id\", \"bbox\": [x, y, w, h], \"score\"}] (pycocotools' loadRes, tood-live val's --results): "
        + "image_id = the image's 1-based position in the sorted input (the id tood-live val gives it in a YOLO split of that folder; video: the frame number), "
        + "category_id = the model's class index; --coco-ids takes both from a COCO annotation file");
    private readonly Option<string?> _cocoIds = CliOptions.Text("--coco-ids", "A.json",
        "COCO annotations (instances.json) whose ids --save-coco uses: images matched by file name, classes by name (as tood-live val); "
        + "detections of images or classes it lacks are left out (logged)");
    private readonly Option<int> _lineWidth = CliOptions.Int("--line-width", "W", "box line width in pixels (0: scaled to the frame)", 0, min: 0);
    private readonly Option<int> _vidStride = CliOptions.Int("--vid-stride", "K", "process every K-th frame", 1, min: 1);

    private readonly DeviceFaultInjection? _faults;

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
        Options.Add(_coco);
        Options.Add(_cocoIds);
        Options.Add(_lineWidth);
        Options.Add(_vidStride);
        Validators.Add(r =>
        {
            if ((r.GetResult(_camera) is null) == (r.GetResult(_source) is null && r.GetResult(_sourceList) is null))
                r.AddError("give exactly one of --camera N or --source FILE_OR_URL (or --sources FILE)");
            else if (r.GetResult(_show) is not null && r.GetResult(_noShow) is not null) r.AddError("--show and --no-show contradict each other");
            else if (r.GetResult(_cocoIds) is not null && r.GetResult(_coco) is null) r.AddError("--coco-ids sets the ids of --save-coco; give --save-coco R.json too");
            else if (ValidSources(r).Select(src => InputKindError(src, Valid(r, _output), r.GetResult(_input.Realtime) is not null)).FirstOrDefault(e => e is not null) is { } error)
                r.AddError(error);
        });
        SetAction((parse, ct) => ExecuteAsync(parse, CliConsole.From(parse), ct));
    }

    public string Usage => """
        tood-live (--camera N | --source FILE|DIR|GLOB|URL ... | --sources FILE) --model M.onnx [options]
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
        Image input (--source IMAGE|DIR|GLOB) runs through the same stages in batches (--batch), each image at its
        own size; an image that does not decode is reported on stderr (one line naming it), skipped and counted in
        the summary ("skipped N unreadable images"). Frame numbers are positions in the sorted list, so skipped
        images leave gaps and --save-coco image_id = position + 1 is stable.
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
        failed at frame N of M", with the outputs kept up to there; a failed stream; a folder or pattern without
        images, or none of its images readable), 2 usage error, 128 + the
        signal when stopped by one (130 Ctrl+C, 143 SIGTERM).

        Examples:
          tood-live --source traffic.mp4 --model tood_r50.onnx --output traffic_det.mp4 --save-json traffic.jsonl
          tood-live --camera 0 --width 1280 --height 720 --fourcc MJPG --model tood_tiny.onnx --show --classes person
          tood-live --source rtsp://cam.local/stream --reconnect 5 --model tood_tiny.onnx --output cam.mp4
          tood-live --source street.mp4 --model tood_r50.onnx --track --trails 30 --output tracks.mp4 --save-mot tracks.txt
          tood-live --source photos/ --model tood_r50.onnx --batch 4 --output photos_det --save-json photos.jsonl --save-coco photos_coco.json
          tood-live --source rtsp://cam1/s --source rtsp://cam2/s --reconnect 5 --batch 2 --model tood_tiny.onnx --output cam{i}.mp4
        """;

    /// <summary>The option's value, or null when it is absent or has an error of its own (a missing value, given twice),
    /// which System.CommandLine reports instead: reading such a value throws.</summary>
    private static string? Valid(System.CommandLine.Parsing.CommandResult r, Option<string?> option)
    {
        if (r.GetResult(option) is not { Tokens.Count: 1 }) return null;
        try { return r.GetValue(option); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>The --source values, or none when the option is absent or has an error of its own.</summary>
    private IEnumerable<string> ValidSources(System.CommandLine.Parsing.CommandResult r)
    {
        if (r.GetResult(_source) is null) return [];
        try { return r.GetValue(_source) ?? []; }
        catch (InvalidOperationException) { return []; }
    }

    /// <summary>--output is an .mp4 for video, a folder for image input; --realtime is for video.</summary>
    private static string? InputKindError(string? source, string? output, bool realtime)
    {
        bool images = source is not null && ImageInputs.IsImageSource(source);
        bool mp4 = output?.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase) == true;
        if (images && realtime) return "--realtime replays a video at its frame rate; image input has none";
        if (output is null || images != mp4) return null;
        return images ? $"--output {output}: image input writes annotated images to a folder under their own names; give a folder, not a .mp4"
            : $"--output {output}: the video is written as mp4; use a .mp4 name";
    }

    private async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken ct)
    {
        using var loggers = CliLoggerProvider.CreateFactory(console, "tood-live");
        var ffmpeg = FfmpegTool.Find();
        var names = parse.GetValue(_source)!.Concat(parse.GetValue(_sourceList) is { } list ? FrameSources.ReadList(list) : []).ToList();
        (Option, string?)[] flags = [(_output, parse.GetValue(_output)), (_json, parse.GetValue(_json)), (_csv, parse.GetValue(_csv)),
            (_coco, parse.GetValue(_coco)), (_tracking.SaveMot, parse.GetValue(_tracking.SaveMot))];
        AsUsageError(() => { CheckOutputPatterns(names, flags); return true; }); // before opening anything
        IReadOnlyList<IFrameSource> sources = parse.GetValue(_camera) is { } camera
            ? [FrameSources.Open(null, camera, _input.Read(parse), ffmpeg, loggers, ct)]
            : FrameSources.OpenAll(names, _input.Read(parse), ffmpeg, loggers, ct);
        try
        {
            return await RunAsync(parse, console, sources, ffmpeg, loggers, ct);
        }
        finally { foreach (var s in sources) s.Dispose(); }
    }

    private async Task<int> RunAsync(ParseResult parse, CliConsole console, IReadOnlyList<IFrameSource> sources, FfmpegTool? ffmpeg,
                                     ILoggerFactory loggers, CancellationToken ct)
    {
        var log = loggers.CreateLogger<LiveCommand>();
        string model = parse.GetRequiredValue(_model);
        string? output = parse.GetValue(_output), json = parse.GetValue(_json), csv = parse.GetValue(_csv), coco = parse.GetValue(_coco);
        bool show = parse.GetValue(_show);
        int batch = parse.GetValue(_batch);
        bool live = AsUsageError(() => VideoPipeline.IsLive(sources));
        var cpu = _cpu.Read(parse).Or(CpuThreading.ForMode(live));
        int vidStride = parse.GetValue(_vidStride);
        var trackers = sources.Select(s => _tracking.Read(parse, s.Fps / vidStride)).ToList();
        var tracking = trackers[0];
        var decode = _detection.Read(parse);
        if (tracking is not null && _tracking.LowersConfidence(parse, _detection.Conf)) decode = decode with { ScoreThreshold = tracking.LowThreshold };
        string? mot = parse.GetValue(_tracking.SaveMot);
        using var detector = Detector.Load(model, new DetectorOptions
        {
            Device = parse.GetValue(_device), MaxBatch = batch, BufferSets = 4, LoggerFactory = loggers, Cpu = cpu, Decode = decode, Faults = _faults,
        });
        if (_detection.ResolveClasses(parse, detector.ClassNames) is { } classes)
            detector.DecodeOptions = detector.DecodeOptions with { Classes = classes };
        var cocoIds = parse.GetValue(_cocoIds) is { } idFile ? CocoResultIds.FromAnnotations(idFile, detector.ClassNames) : null;
        if (cocoIds is not null) log.LogInformation("--save-coco: {CocoIds}", cocoIds.Description);
        static string Describe(IFrameSource s) => s is ImageFileSource ? $"{s.Description}: {s.FrameCount} images"
            : $"{s.Description}: {s.Width}x{s.Height} @ {s.Fps:0.##} fps{(s.FrameCount is { } n ? $", {n} frames" : "")}";
        if (sources.Count > 1)
            for (int k = 0; k < sources.Count; k++) log.LogInformation("source {Index}: {Source}", k + 1, Describe(sources[k]));
        string input = sources.Count > 1 ? $"{sources.Count} sources, {(live ? "live mode" : "file mode")}; "
            : sources[0] is ImageFileSource ? $"{Describe(sources[0])}; " : $"{Describe(sources[0])}, {(live ? "live mode" : "file mode")}; ";
        log.LogInformation("{Input}model {Model} ({Preset}, {Width}x{Height}, {Classes} classes) on {Device}{Threading}", input, Path.GetFileName(model),
            detector.Model.Preset, detector.Model.InputWidth, detector.Model.InputHeight, detector.Model.NumClasses, detector.Device,
            detector.Device.Kind == DeviceKind.Cpu ? $" ({cpu})" : "");
        if (tracking is not null)
            log.LogInformation("tracking: ByteTrack{PerStream}, detections ≥ {ScoreThreshold:0.##} (high ≥ {HighThreshold:0.##}), lost tracks kept {TrackBuffer} frames, {ClassMatching}",
                sources.Count > 1 ? " (one tracker per stream)" : "", decode.ScoreThreshold, tracking.HighThreshold, tracking.TrackBuffer,
                tracking.ClassAware ? "per class" : "any class");
        if (output is null && !show && json is null && csv is null && mot is null && coco is null)
            log.LogInformation("no --output, --show, --save-json, --save-csv, --save-coco or --save-mot given: detections are only counted");

        var bar = !live && console.InteractiveError ? new ProgressBar(console.Error) : null;
        var pipeline = new VideoPipeline(detector, new VideoPipelineOptions
        {
            Run = new() { Batch = batch, VidStride = vidStride },
            Render = new() { Show = show, DrawStatus = parse.GetValue(_status), LineWidth = parse.GetValue(_lineWidth), Trails = parse.GetValue(_tracking.Trails) },
            Outputs = new() { Video = output, Codec = _codec.Read(parse), Ffmpeg = ffmpeg, Jsonl = json, Csv = csv, Coco = coco, CocoIds = cocoIds, Mot = mot },
            Tracking = tracking, Progress = bar, LoggerFactory = loggers,
        }, [.. sources.Select((s, k) => StreamSpec.Of(s, trackers[k]))]);
        RunSummary summary;
        try { summary = await pipeline.RunAsync(ct, _stopNow); }
        catch (VideoSourceException e) when (e.Summary is { } partial)
        {
            PrintSummary(console, partial); // what was done before the source failed; its outputs are finalised
            throw;
        }
        finally { bar?.Finish(); }
        PrintSummary(console, summary);
        return ct.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    /// <summary>The output patterns against the sources as given (<see cref="StreamOutputs"/>), in the flags' names: a
    /// pattern that cannot serve every stream is a usage error before anything is opened.</summary>
    private static void CheckOutputPatterns(List<string> sources, (Option Option, string? Pattern)[] flags)
    {
        if (sources.Count == 0) return;
        foreach (var (option, pattern) in flags) StreamOutputs.ForStreams(pattern, option.Name, sources);
    }

    /// <summary>An inconsistent combination found once the inputs are known is a usage error (exit 2), like the parser's.</summary>
    private static T AsUsageError<T>(Func<T> check)
    {
        try { return check(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    /// <summary>The summary, then every output written, by flag and then stream (the pipeline resolved the paths once).</summary>
    private static void PrintSummary(CliConsole console, RunSummary summary)
    {
        console.Out.WriteLine(summary.ToString());
        var paths = (summary.Streams ?? []).SelectMany(st => st.Outputs.All()).GroupBy(p => p.Setting);
        foreach (var (setting, path) in paths.SelectMany(g => g))
            if (Path.Exists(path)) console.Out.WriteLine($"{FlagOf(setting)}: {Path.GetFullPath(path)}");
    }

    private static string FlagOf(string setting) => setting switch
    {
        nameof(StreamPaths.Video) => "output", nameof(StreamPaths.Jsonl) => "save-json", nameof(StreamPaths.Csv) => "save-csv",
        nameof(StreamPaths.Coco) => "save-coco", _ => "save-mot",
    };
}
