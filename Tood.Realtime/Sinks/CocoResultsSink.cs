using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;

namespace Tood.Realtime.Sinks;

/// <summary>
/// <c>--save-coco</c>: every detection as a COCO result {image_id, category_id, bbox [x, y, w, h], score}
/// (<see cref="CocoResult"/>'s conversion, written by <see cref="DetectionResultsFile"/>) when the run completes.
/// image_id = frame index + 1: for image input the image's 1-based position in the sorted list, as
/// <c>tood-live val</c> numbers a YOLO split whose image folder is the input; for video the frame number.
/// category_id = the model's class index (a YOLO dataset's class id when the model was trained on it).
/// </summary>
public sealed class CocoResultsSink(string path) : IFrameSink
{
    private readonly PartialFile _file = new(path, "--save-coco");
    private readonly List<CocoAnnotation> _results = [];
    private bool _done;

    public void Write(in ProcessedFrame frame)
    {
        foreach (var d in frame.Detections)
            _results.Add(CocoResult.From(d, frame.Index + 1, d.ClassId, _results.Count + 1));
    }

    public void Complete()
    {
        if (_done) return;
        _done = true;
        DetectionResultsFile.Save(_file.TempPath, _results);
        _file.Commit();
    }

    public void Abort()
    {
        if (_done) return;
        _done = true;
        _file.Delete();
    }

    public void Dispose() => Complete();
}
