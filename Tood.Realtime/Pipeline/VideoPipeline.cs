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
/// </summary>
public sealed class VideoPipeline
{
    private readonly Detector _detector;
    private readonly VideoPipelineOptions _options;
    private readonly IFrameSource? _externalSource;
    private readonly CancellationTokenSource _stop = new();
    private long _dropped;

    public VideoPipeline(Detector detector, VideoPipelineOptions options, IFrameSource? source = null)
    {
        options.Validate();
        if (options.Batch > detector.Options.MaxBatch)
            throw new ArgumentException($"--batch {options.Batch} exceeds the detector's MaxBatch {detector.Options.MaxBatch}", nameof(options));
        _detector = detector; _options = options; _externalSource = source;
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

    /// <param name="cancellationToken">stop gracefully: finish the frames already captured.</param>
    /// <param name="stopNow">stop at once: drop the frames in flight (a second Ctrl+C); outputs are still finalised.</param>
    /// <exception cref="VideoSourceException">the source failed mid-run (e.g. "decode failed at frame N of M");
    /// the frames before it were processed and every output was finalised first.</exception>
    public async Task<RunSummary> RunAsync(CancellationToken cancellationToken = default, CancellationToken stopNow = default)
    {
        var source = _externalSource ?? OpenSource(_options, cancellationToken);
        try
        {
            double warmupMs = WarmUp();
            var sinks = CreateSinks(source);
            try { return await new PipelineRun(this, _detector, _options, source, sinks).RunAsync(cancellationToken, stopNow, warmupMs); }
            finally { foreach (var s in sinks) s.Dispose(); }
        }
        finally
        {
            if (_externalSource is null) source.Dispose();
        }
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

    private List<IFrameSink> CreateSinks(IFrameSource source)
    {
        var sinks = new List<IFrameSink>();
        bool live = _options.Live ?? source.IsLive;
        string output = "no video output";
        try
        {
            var images = source as ImageFileSource;
            if (_options.OutputVideo is { } dir && images is not null)
            {
                sinks.Add(new ImageFolderSink(dir, images.BaseDirectory));
                output = $"writing annotated images to {dir}";
            }
            else if (_options.OutputVideo is { } o)
            {
                double fps = (source.Fps > 0 && double.IsFinite(source.Fps) ? source.Fps : 30) / _options.VidStride;
                sinks.Add(VideoOutputs.Create(o, source.Width, source.Height, fps, _options.Codec, _options.Ffmpeg, _options.Log, out var how, live));
                output = $"writing {Path.GetFileName(o)} as {how}";
            }
            _options.Log?.Invoke($"video I/O: reading {source.Description} with {source.Backend}; {output}");
            if (_options.JsonlPath is { } j) sinks.Add(new JsonlSink(j));
            if (_options.CsvPath is { } c) sinks.Add(new CsvSink(c, trackIds: _options.Tracking is not null, fileNames: images is not null));
            if (_options.CocoPath is { } coco) sinks.Add(new CocoResultsSink(coco, _options.CocoIds, _options.Log));
            if (_options.MotPath is { } m) sinks.Add(new MotSink(m));
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
