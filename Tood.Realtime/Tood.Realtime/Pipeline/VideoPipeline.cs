using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Tood.Realtime.Inference;
using Tood.Realtime.Rendering;
using Tood.Realtime.Sinks;
using Tood.Realtime.Tracking;
using Tood.Realtime.Video;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// capture → letterbox → batch → infer → decode (+track) → render → write, stages connected by bounded channels
/// (one worker per stage, so frame order is preserved; <see cref="PipelineRun"/> wires them, Stages/ holds them).
/// File mode: every channel waits when full (backpressure, no frame lost).
/// Live mode: capture never waits, and frames are dropped at the run boundary — a model run, when its slot
/// frees, takes the newest captured frame and every older one is disposed and counted — so the overlay is
/// about one inference period (plus pre/post-processing) behind the camera, however slow the model.
/// One warm-up run precedes the first frame, so no frame's timing includes the model's first-run set-up.
/// Stopping (<see cref="RequestStop"/> / the token) ends capture gracefully: frames already captured are
/// finished and written. Stopping now (the second token) drops the frames in flight. Either way — and also
/// when a stage or the source fails — every sink is finalised (the mp4 plays, the JSONL has complete lines).
/// One path for one stream or several (<see cref="StreamSpec"/>): several share every stage and the model session —
/// a live batch holds the newest frame of each stream — with per-stream outputs (<see cref="OutputSettings.Resolve"/>),
/// trackers and statistics; a stream that fails for good ends only its part.
/// </summary>
public sealed class VideoPipeline
{
    private readonly Detector _detector;
    private readonly VideoPipelineOptions _options;
    private readonly IReadOnlyList<StreamSpec> _specs;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private RunContext? _run;

    public VideoPipeline(Detector detector, VideoPipelineOptions options, StreamSpec stream) : this(detector, options, [stream]) { }

    public VideoPipeline(Detector detector, VideoPipelineOptions options, IReadOnlyList<StreamSpec> streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        options.Validate();
        if (options.Run.Batch > detector.Options.MaxBatch)
            throw new ArgumentException($"{nameof(RunSettings.Batch)} {options.Run.Batch} exceeds the detector's MaxBatch {detector.Options.MaxBatch}", nameof(options));
        if (streams.Count == 0) throw new ArgumentException("no stream given", nameof(streams));
        foreach (var s in streams) s.Validate();
        _detector = detector; _options = options; _specs = streams;
        _logger = options.LoggerFactory.CreateLogger<VideoPipeline>();
    }

    /// <summary>Frames dropped so far (live mode).</summary>
    public long DroppedFrames => _run?.Dropped ?? 0;

    /// <summary>Stops capturing; frames in flight are still processed and written.</summary>
    public void RequestStop() { try { _stop.Cancel(); } catch (ObjectDisposedException) { } }

    /// <summary>Live mode of a run: <paramref name="live"/> when given, else the sources' own, which must agree.</summary>
    /// <exception cref="ArgumentException">live sources (camera, URL, realtime replay) mixed with files.</exception>
    public static bool IsLive(IReadOnlyList<IFrameSource> sources, bool? live = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (live is { } l) return l;
        if (sources.FirstOrDefault(s => s.IsLive != sources[0].IsLive) is { } other)
        {
            var (ls, f) = sources[0].IsLive ? (sources[0], other) : (other, sources[0]);
            throw new ArgumentException($"cannot mix a live source ({ls.Description}) with a file ({f.Description}) in one run: add --realtime to replay the files live");
        }
        return sources[0].IsLive;
    }

    /// <param name="cancellationToken">stop gracefully: finish the frames already captured.</param>
    /// <param name="stopNow">stop at once: drop the frames in flight (a second Ctrl+C); outputs are still finalised.</param>
    /// <exception cref="VideoSourceException">the source failed mid-run (e.g. "decode failed at frame N of M");
    /// the frames before it were processed and every output was finalised first.</exception>
    public async Task<RunSummary> RunAsync(CancellationToken cancellationToken = default, CancellationToken stopNow = default)
    {
        var sources = new List<IFrameSource>();
        var streams = new List<PipelineStream>();
        try
        {
            foreach (var spec in _specs) sources.Add(spec.OpenSource(_options.Outputs.Ffmpeg, _options.LoggerFactory, cancellationToken));
            bool live = IsLive(sources, _options.Run.Live);
            var paths = _options.Outputs.Resolve([.. sources.Select(s => s.Description)]);
            double warmupMs = WarmUp();
            for (int k = 0; k < sources.Count; k++) streams.Add(CreateStream(k, sources[k], paths[k], live));
            using var context = _run = new RunContext(_detector.Engine, streams, live, _stop, _options.LoggerFactory);
            using var userReg = cancellationToken.Register(context.RequestStop);
            using var nowReg = stopNow.Register(context.StopNow);
            using var interruptReg = context.StopToken.Register(() => { foreach (var s in sources) s.Interrupt(); }); // a silent stream must not hold up the stop
            return await new PipelineRun(_detector, _options, context).RunAsync(warmupMs);
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
            for (int k = 0; k < sources.Count; k++) if (_specs[k].Owned) sources[k].Dispose();
        }
    }

    private PipelineStream CreateStream(int k, IFrameSource source, StreamPaths paths, bool live)
    {
        var tracking = _specs[k].Tracking ?? _options.Tracking;
        return new PipelineStream(k, source, paths, new StreamSinks(_options, RequestStop).Create(source, paths, live, tracking is not null),
            tracking is null ? null : new ByteTracker(tracking), new OverlayRenderer(_options.Render.LineWidth, _options.Render.Trails));
    }

    /// <summary>One model run on a blank batch before the first frame: ONNX Runtime allocates its arena (and DirectML
    /// compiles its shaders) on the first run, which would otherwise be charged to the first frame's latency.</summary>
    private double WarmUp()
    {
        var engine = _detector.Engine;
        var slot = engine.Rent();
        try
        {
            slot.Count = Math.Min(_options.Run.Batch, slot.Capacity);
            long t = Stopwatch.GetTimestamp();
            engine.Run(slot);
            double ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            _logger.LogInformation("warm-up run: {WarmupMs:0} ms (before the first frame; not in the timings)", ms);
            return ms;
        }
        finally { engine.Return(slot); }
    }
}
