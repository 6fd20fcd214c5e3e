using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Tood.Realtime.Inference;
using Tood.Realtime.Rendering;
using Tood.Realtime.Sinks;
using Tood.Realtime.Tracking;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Images;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// capture → preprocess → batch → infer → postprocess → render → sinks, stages connected by bounded channels
/// (one worker per stage, so frame order is preserved; see <see cref="PipelineRun"/>).
/// File mode: every channel waits when full (backpressure, no frame lost).
/// Live mode: capture never waits, and frames are dropped at the run boundary — a model run, when its slot
/// frees, takes the newest captured frame and every older one is disposed and counted — so the overlay is
/// about one inference period (plus pre/post-processing) behind the camera, however slow the model.
/// One warm-up run precedes the first frame, so no frame's timing includes the model's first-run set-up.
/// Stopping (<see cref="RequestStop"/> / the token) ends capture gracefully: frames already captured are
/// finished and written. Stopping now (the second token) drops the frames in flight. Either way — and also
/// when a stage or the source fails — every sink is finalised (the mp4 plays, the JSONL has complete lines).
/// Several sources (<see cref="VideoPipelineOptions.Sources"/>, or the list given to the constructor) share every stage
/// and the model session — a live batch holds the newest frame of each stream — with per-stream outputs
/// (<see cref="StreamOutputs"/>), trackers and statistics; a stream that fails for good ends only its part.
/// </summary>
public sealed class VideoPipeline
{
    private readonly Detector _detector;
    private readonly VideoPipelineOptions _options;
    private readonly IReadOnlyList<IFrameSource>? _externalSources;
    private readonly CancellationTokenSource _stop = new();
    private long _dropped;

    public VideoPipeline(Detector detector, VideoPipelineOptions options, IFrameSource? source = null)
        : this(detector, options, source is null ? null : [source]) { }

    /// <param name="sources">open sources (not owned); null = open <see cref="VideoPipelineOptions.Sources"/> (or <see cref="VideoPipelineOptions.Source"/>).</param>
    public VideoPipeline(Detector detector, VideoPipelineOptions options, IReadOnlyList<IFrameSource>? sources)
    {
        options.Validate();
        if (options.Batch > detector.Options.MaxBatch)
            throw new ArgumentException($"--batch {options.Batch} exceeds the detector's MaxBatch {detector.Options.MaxBatch}", nameof(options));
        if (sources is { Count: 0 }) throw new ArgumentException("no source given", nameof(sources));
        _detector = detector; _options = options; _externalSources = sources;
    }

    /// <summary>Frames dropped so far (live mode).</summary>
    public long DroppedFrames => Interlocked.Read(ref _dropped);

    internal void CountDropped() => Interlocked.Increment(ref _dropped);

    internal CancellationToken StopToken => _stop.Token;

    /// <summary>Stops capturing; frames in flight are still processed and written.</summary>
    public void RequestStop() { try { _stop.Cancel(); } catch (ObjectDisposedException) { } }

    /// <summary>Opens the source named in the options (file/URL or camera, see <see cref="FrameSources"/>).</summary>
    public static IFrameSource OpenSource(VideoPipelineOptions options, CancellationToken cancellationToken = default) =>
        FrameSources.Open(options.Source, options.CameraIndex, options.Input, options.Ffmpeg, options.Log, cancellationToken);

    /// <summary>Opens every source of the options: <see cref="VideoPipelineOptions.Sources"/> when given, else the one source.</summary>
    public static IReadOnlyList<IFrameSource> OpenSources(VideoPipelineOptions options, CancellationToken cancellationToken = default) =>
        options.Sources is { Count: > 0 } list
            ? FrameSources.OpenAll(list, options.Input, options.Ffmpeg, options.Log, cancellationToken)
            : [OpenSource(options, cancellationToken)];

    /// <summary>Live mode of a run: <see cref="VideoPipelineOptions.Live"/>, else the sources' own, which must agree.</summary>
    /// <exception cref="ArgumentException">live sources (camera, URL, --realtime) mixed with files.</exception>
    public static bool IsLive(VideoPipelineOptions options, IReadOnlyList<IFrameSource> sources)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        if (options.Live is { } live) return live;
        if (sources.FirstOrDefault(s => s.IsLive != sources[0].IsLive) is { } other)
        {
            var (l, f) = sources[0].IsLive ? (sources[0], other) : (other, sources[0]);
            throw new ArgumentException($"cannot mix a live source ({l.Description}) with a file ({f.Description}) in one run: add --realtime to replay the files live");
        }
        return sources[0].IsLive;
    }

    /// <param name="cancellationToken">stop gracefully: finish the frames already captured.</param>
    /// <param name="stopNow">stop at once: drop the frames in flight (a second Ctrl+C); outputs are still finalised.</param>
    /// <exception cref="VideoSourceException">the source failed mid-run (e.g. "decode failed at frame N of M");
    /// the frames before it were processed and every output was finalised first.</exception>
    public async Task<RunSummary> RunAsync(CancellationToken cancellationToken = default, CancellationToken stopNow = default)
    {
        var sources = _externalSources ?? OpenSources(_options, cancellationToken);
        var streams = new List<PipelineStream>();
        try
        {
            bool live = IsLive(_options, sources);
            double warmupMs = WarmUp();
            for (int k = 0; k < sources.Count; k++) streams.Add(CreateStream(k, sources, live));
            return await new PipelineRun(this, _detector, _options, streams, live).RunAsync(cancellationToken, stopNow, warmupMs);
        }
        catch when (streams.Count < sources.Count)
        {
            // A later stream's outputs could not be created: the earlier ones' were never written to.
            foreach (var sink in streams.SelectMany(st => st.Sinks)) sink.Abort();
            throw;
        }
        finally
        {
            foreach (var sink in streams.SelectMany(st => st.Sinks)) sink.Dispose();
            if (_externalSources is null) foreach (var source in sources) source.Dispose();
        }
    }

    private PipelineStream CreateStream(int k, IReadOnlyList<IFrameSource> sources, bool live)
    {
        var names = sources.Select(s => s.Description).ToList();
        string? For(string? pattern, string flag) => StreamOutputs.ForStreams(pattern, flag, names)?[k];
        var paths = new StreamPaths(For(_options.OutputVideo, "--output"), For(_options.JsonlPath, "--save-json"),
            For(_options.CsvPath, "--save-csv"), For(_options.CocoPath, "--save-coco"), For(_options.MotPath, "--save-mot"));
        if (_options.StreamTracking is { } perStream && perStream.Count != sources.Count)
            throw new ArgumentException($"StreamTracking has {perStream.Count} entries for {sources.Count} sources");
        var tracking = _options.StreamTracking is { } list ? list[k] : _options.Tracking;
        return new PipelineStream(k, sources[k], CreateSinks(sources[k], paths, live), tracking is null ? null : new ByteTracker(tracking),
            new OverlayRenderer(_options.LineWidth, _options.Trails));
    }

    /// <summary>One model run on a blank batch before the first frame: ONNX Runtime allocates its arena (and DirectML
    /// compiles its shaders) on the first run, which would otherwise be charged to the first frame's latency.</summary>
    private double WarmUp()
    {
        var engine = _detector.Engine;
        var slot = engine.Rent();
        try
        {
            slot.Count = Math.Min(_options.Batch, slot.Capacity);
            long t = Stopwatch.GetTimestamp();
            engine.Run(slot);
            double ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            _options.Log?.Invoke($"warm-up run: {ms:0} ms (before the first frame; not in the timings)");
            return ms;
        }
        finally { engine.Return(slot); }
    }

    private readonly record struct StreamPaths(string? Video, string? Jsonl, string? Csv, string? Coco, string? Mot);

    private List<IFrameSink> CreateSinks(IFrameSource source, StreamPaths paths, bool live)
    {
        var sinks = new List<IFrameSink>();
        string output = "no video output";
        try
        {
            var images = source as ImageFileSource;
            if (paths.Video is { } dir && images is not null)
            {
                sinks.Add(new ImageFolderSink(dir, images.BaseDirectory));
                output = $"writing annotated images to {dir}";
            }
            else if (paths.Video is { } o)
            {
                double fps = (source.Fps > 0 && double.IsFinite(source.Fps) ? source.Fps : 30) / _options.VidStride;
                sinks.Add(VideoOutputs.Create(o, source.Width, source.Height, fps, _options.Codec, _options.Ffmpeg, _options.Log, out var how, live));
                output = $"writing {Path.GetFileName(o)} as {how}";
            }
            _options.Log?.Invoke($"video I/O: reading {source.Description} with {source.Backend}; {output}");
            if (paths.Jsonl is { } j) sinks.Add(new JsonlSink(j));
            if (paths.Csv is { } c) sinks.Add(new CsvSink(c, trackIds: _options.Tracking is not null, fileNames: images is not null));
            if (paths.Coco is { } coco) sinks.Add(new CocoResultsSink(coco, _options.CocoIds, _options.Log));
            if (paths.Mot is { } m) sinks.Add(new MotSink(m));
            if (_options.Show) sinks.Add(new WindowSink($"tood-live - {source.Description}", RequestStop, new OverlayRenderer(_options.LineWidth)));
            return sinks;
        }
        catch
        {
            foreach (var s in sinks) { s.Abort(); s.Dispose(); }
            throw;
        }
    }

    /// <summary>Finalises every sink, even when one fails; returns the first failure.</summary>
    internal static Exception? CompleteAll(IEnumerable<IFrameSink> sinks)
    {
        Exception? first = null;
        foreach (var s in sinks)
        {
            try { s.Complete(); }
            catch (Exception e) { first ??= e; }
        }
        return first;
    }

    internal static void Throw(Exception e) => ExceptionDispatchInfo.Capture(e).Throw();
}
