using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;

namespace Tood.Realtime.Sinks;

/// <summary>
/// <c>--save-coco</c>: every detection as a COCO result {image_id, category_id, bbox [x, y, w, h], score}
/// (<see cref="CocoResult"/>'s conversion, written by <see cref="DetectionResultsFile"/>) when the run completes, with
/// the ids of <see cref="CocoResultIds"/> (by default image_id = frame index + 1, category_id = the model's class
/// index). A frame whose image has no id is logged once and left out, as are detections of classes without one.
/// </summary>
public sealed class CocoResultsSink(string path, CocoResultIds? ids = null, ILoggerFactory? loggerFactory = null) : IFrameSink
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<CocoResultsSink>();
    private readonly PartialFile _file = new(path, "--save-coco");
    private readonly CocoResultIds _ids = ids ?? CocoResultIds.FileOrder;
    private readonly List<CocoAnnotation> _results = [];
    private bool _done;

    /// <summary>Frames left out because their image has no id.</summary>
    public long FramesWithoutId { get; private set; }

    /// <summary>Detections left out because their class has no category.</summary>
    public long DetectionsWithoutCategory { get; private set; }

    public void Write(in ProcessedFrame frame)
    {
        if (!_ids.TryImageId(frame, out long imageId))
        {
            FramesWithoutId++;
            _logger.LogWarning("--save-coco: {Image} is not an image of the --coco-ids file; its {Count} detections are left out", frame.Name ?? "", frame.Detections.Count);
            return;
        }
        foreach (var d in frame.Detections)
        {
            if (_ids.TryCategory(d.ClassId, out int category)) _results.Add(CocoResult.From(d, imageId, category, _results.Count + 1));
            else DetectionsWithoutCategory++;
        }
    }

    public void Complete()
    {
        if (_done) return;
        _done = true;
        DetectionResultsFile.Save(_file.TempPath, _results);
        _file.Commit();
        if (DetectionsWithoutCategory > 0)
            _logger.LogWarning("--save-coco: {Count} detections of model classes the --coco-ids file lacks are left out", DetectionsWithoutCategory);
    }

    public void Abort()
    {
        if (_done) return;
        _done = true;
        _file.Delete();
    }

    public void Dispose() => Complete();
}
