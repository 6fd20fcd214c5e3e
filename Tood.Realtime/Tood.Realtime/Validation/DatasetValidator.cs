using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Validation;

/// <summary>
/// Evaluates a deployed model the way it runs: every image of a dataset through <see cref="Detector"/> (the
/// runtime's letterbox into the model's fixed input, ONNX Runtime, the one <see cref="DetectionDecoder"/> with the
/// detector's <see cref="Detector.DecodeOptions"/>), the detections converted like the training validator's
/// (<see cref="CocoResult"/>), then <see cref="CocoEvaluator"/> (pycocotools' protocol), the IoU-0.5 PR curves and
/// a <see cref="ConfusionSummary"/>. Batches run concurrently up to the detector's runs in flight (one more
/// worker reads the next images meanwhile); results do not depend on the order.
/// </summary>
public static class DatasetValidator
{
    /// <param name="groundTruth">The data restricted to the shared classes: every category must be one of
    /// <paramref name="classes"/>' (see <see cref="ClassMapping"/>).</param>
    /// <param name="imageDir">Image paths are <c>imageDir/file_name</c> (an absolute file_name stands alone).</param>
    /// <exception cref="FileNotFoundException">an image file is missing.</exception>
    /// <exception cref="InvalidDataException">an image cannot be decoded.</exception>
    public static async Task<ValidationResult> RunAsync(Detector detector, CocoFile groundTruth, string imageDir, ClassMapping classes,
        ValidationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(classes);
        options ??= new ValidationOptions();
        var logger = options.LoggerFactory.CreateLogger(typeof(DatasetValidator));
        var categoryOf = classes.Shared.ToDictionary(s => s.ModelClass, s => s.CategoryId);
        var extra = groundTruth.Categories.FirstOrDefault(c => !classes.Shared.Any(s => s.CategoryId == c.Id));
        if (extra is not null) throw new ArgumentException($"ground-truth category {extra.Id} '{extra.Name}' is not a shared class; restrict the data first", nameof(groundTruth));
        if (groundTruth.Images.Count == 0) throw new InvalidDataException("the data has no images");
        if (!Directory.Exists(imageDir)) throw new DirectoryNotFoundException($"{imageDir}: image directory not found");

        var images = groundTruth.Images;
        var found = new IReadOnlyList<Detection>[images.Count];
        int batch = detector.Engine.MaxBatch, done = 0, mismatched = 0;
        var progressLock = new Lock();
        var clock = Stopwatch.StartNew();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = detector.Engine.ConcurrentRuns + 1, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, (images.Count + batch - 1) / batch), parallel, (chunk, _) =>
        {
            int start = chunk * batch, n = Math.Min(batch, images.Count - start);
            var mats = new List<Mat>(n);
            try
            {
                for (int i = start; i < start + n; i++)
                {
                    mats.Add(Read(Path.Combine(imageDir, images[i].FileName)));
                    if (mats[^1].Width != images[i].Width || mats[^1].Height != images[i].Height)
                        if (Interlocked.Increment(ref mismatched) == 1)
                            logger.LogWarning("{File}: decodes to {Width}x{Height}, the annotations say {AnnotatedWidth}x{AnnotatedHeight} " +
                                "(boxes are compared as annotated; an EXIF rotation?)", images[i].FileName, mats[^1].Width, mats[^1].Height, images[i].Width, images[i].Height);
                }
                var results = detector.Detect(mats);
                for (int i = 0; i < n; i++) found[start + i] = results[i];
            }
            finally { foreach (var m in mats) m.Dispose(); }
            int total = Interlocked.Add(ref done, n);
            if (options.Progress is { } progress)
                lock (progressLock)
                {
                    double s = clock.Elapsed.TotalSeconds;
                    progress.Report(new PipelineProgress(total, images.Count, s > 0 ? total / s : 0, s, 0));
                }
            return ValueTask.CompletedTask;
        });
        double seconds = clock.Elapsed.TotalSeconds;
        if (mismatched > 1) logger.LogWarning("{Count} images decode to another size than annotated", mismatched);

        var detections = new List<CocoAnnotation>();
        for (int i = 0; i < images.Count; i++)
            foreach (var d in found[i])
                if (categoryOf.TryGetValue(d.ClassId, out int category))
                    detections.Add(CocoResult.From(d, images[i].Id, category, detections.Count + 1));
        var evaluation = new CocoEvaluator(groundTruth).EvaluateDetailed(detections);
        var confusion = ConfusionSummary.Compute(groundTruth, detections, options.ConfusionScoreThreshold, options.ConfusionIouThreshold);
        return new ValidationResult(classes, images.Count, detections, evaluation, PrCurve.AtIou50(evaluation), confusion, seconds);
    }

    private static Mat Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: image file not found", path);
        var m = Cv2.ImRead(path, ImreadModes.Color);
        if (!m.Empty()) return m;
        m.Dispose();
        throw new InvalidDataException($"{path}: not a readable image");
    }
}
