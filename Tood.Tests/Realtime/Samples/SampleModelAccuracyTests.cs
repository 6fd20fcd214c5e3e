using OpenCvSharp;
using Tood.Realtime.Coco;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;
using Tood.Train.Data.Synth;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Realtime.Samples;

/// <summary>
/// The shipped model (samples/tood_tiny_shapes.onnx, trained by Tood's own trainer, samples/make_sample.sh)
/// on a synthetic video it has never seen (a different seed from its training data): the moving shapes'
/// detections must match the per-frame ground truth (issue acceptance: IoU ≥ 0.5 for ≥ 90% of objects).
/// </summary>
public sealed class SampleModelAccuracyTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tood-sample-acc-").FullName;

    public static string SampleModelPath => RepoPaths.Path("samples", "tood_tiny_shapes.onnx");

    /// <summary>
    /// Localisation is the acceptance bar (≥ 90% of objects matched by a box at IoU ≥ 0.5, any class); the
    /// class of the matched box is asserted separately at the level this small CPU-trained model reaches
    /// (see BENCHMARKS.md for its COCO stats), so a regression in either shows up.
    /// </summary>
    [Fact]
    public void Shipped_model_finds_at_least_90_percent_of_moving_shapes_at_iou_half()
    {
        var video = Path.Combine(_dir, "eval.mp4");
        // Same geometry as the shipped sample video (320×256), different seed.
        CocoFile gt = SynthVideo.Write(new SynthGenerator(seed: 4242, 320, 256), video, frames: 40).Coco;

        using var detector = Detector.Load(SampleModelPath);
        detector.DecodeOptions = detector.DecodeOptions with { ScoreThreshold = 0.3f };
        Assert.Equal(6, detector.ClassNames.Count);

        using var capture = new VideoCapture(video);
        int frame = 0, objects = 0, found = 0, wrongClass = 0, falsePositives = 0;
        using var mat = new Mat();
        while (capture.Read(mat) && !mat.Empty())
        {
            frame++;
            var dets = detector.Detect(mat);
            var truths = gt.Annotations.Where(a => a.ImageId == frame && a.IsCrowd == 0).ToList();
            var used = new bool[dets.Count];
            foreach (var t in truths)
            {
                objects++;
                int classIndex = gt.Categories.FindIndex(c => c.Id == t.CategoryId);
                int best = -1; double bestIou = 0;
                for (int i = 0; i < dets.Count; i++)
                {
                    if (used[i]) continue;
                    double iou = Iou(dets[i], t.Bbox);
                    if (iou > bestIou) { bestIou = iou; best = i; }
                }
                if (best < 0 || bestIou < 0.5) continue;
                used[best] = true;
                if (dets[best].ClassId == classIndex) found++; else wrongClass++;
            }
            falsePositives += used.Count(u => !u);
        }
        Assert.Equal(40, frame);
        Assert.True(objects > 60, $"only {objects} ground-truth objects in the video");
        double boxRecall = (double)(found + wrongClass) / objects, classRecall = (double)found / objects;
        var summary = $"{objects} objects: {found + wrongClass} boxed at IoU ≥ 0.5 ({boxRecall:P1}), {found} with the right class ({classRecall:P1}), {falsePositives} unmatched detections";
        output.WriteLine(summary);
        Assert.True(boxRecall >= 0.9, summary);
        Assert.True(classRecall >= 0.75, summary);
        // Measured with the shipped model (30 epochs, BENCHMARKS.md): 153/160 boxed (95.6 %), 128 with the right class
        // (80.0 %), 64 unmatched detections (mostly a second, other-class box on a found shape: NMS is class-aware).
        // The bars guard against regressions (the previous 15-epoch model: 98.1 % / 73.8 % / 147 would now fail).
        Assert.True(falsePositives <= objects / 2, $"{falsePositives} unmatched detections for {objects} objects");
    }

    private static double Iou(Detection d, double[] xywh)
    {
        double x1 = xywh[0], y1 = xywh[1], x2 = xywh[0] + xywh[2], y2 = xywh[1] + xywh[3];
        double iw = Math.Max(0, Math.Min(d.X2, x2) - Math.Max(d.X1, x1));
        double ih = Math.Max(0, Math.Min(d.Y2, y2) - Math.Max(d.Y1, y1));
        double inter = iw * ih;
        double union = (d.X2 - d.X1) * (d.Y2 - d.Y1) + xywh[2] * xywh[3] - inter;
        return union > 0 ? inter / union : 0;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
