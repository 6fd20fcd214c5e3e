using Microsoft.Extensions.Logging;
using Tood.Realtime.Rendering;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video;

namespace Tood.Realtime.Pipeline;

/// <summary>Creates one stream's sinks from its resolved paths: the annotated output (video or image folder, chosen by
/// the source), JSONL, CSV, COCO results, MOT and the window. On a failure the sinks already created are aborted.</summary>
internal sealed class StreamSinks(VideoPipelineOptions options, Action requestStop)
{
    private readonly ILogger _logger = options.LoggerFactory.CreateLogger<StreamSinks>();

    public List<IFrameSink> Create(IFrameSource source, StreamPaths paths, bool live, bool tracking)
    {
        var sinks = new List<IFrameSink>();
        string output = "no video output";
        try
        {
            var o = options.Outputs;
            if (paths.Video is { } video)
                sinks.Add(source.OpenAnnotatedOutput(video, new AnnotatedOutput(o.Codec, o.Ffmpeg, options.Run.VidStride, live, options.LoggerFactory), out output));
            _logger.LogInformation("video I/O: reading {Source} with {Backend}; {Output}", source.Description, source.Backend, output);
            if (paths.Jsonl is { } j) sinks.Add(new JsonlSink(j));
            if (paths.Csv is { } c) sinks.Add(new CsvSink(c, trackIds: tracking, fileNames: source.IsStills));
            if (paths.Coco is { } coco) sinks.Add(new CocoResultsSink(coco, o.CocoIds, options.LoggerFactory));
            if (paths.Mot is { } m) sinks.Add(new MotSink(m));
            if (options.Render.Show) sinks.Add(new WindowSink($"tood-live - {source.Description}", requestStop, new OverlayRenderer(options.Render.LineWidth)));
            return sinks;
        }
        catch
        {
            foreach (var s in sinks) { s.Abort(); s.Dispose(); }
            throw;
        }
    }
}
