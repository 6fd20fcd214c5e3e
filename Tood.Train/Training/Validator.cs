using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;
using Tood.Train.Data;
using Tood.Train.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>Runs a detector over a dataset (runtime letterbox, no augmentation), decodes per spec §6 and
/// scores the detections with <see cref="CocoEvaluator"/> against the dataset's original COCO file.</summary>
public static class Validator
{
    public static async Task<(CocoStats Stats, List<CocoAnnotation> Detections)> EvaluateAsync(
        ToodDetector model, CocoDetectionDataset dataset, int imageSize, Device device, int batchSize = 8, int workers = 2,
        DetectionDecoder? decoder = null, CancellationToken ct = default)
    {
        decoder ??= new DetectionDecoder();
        var loader = new DataLoader(dataset, new DataLoaderOptions(batchSize, imageSize, Shuffle: false, Augment: null, Workers: workers));
        bool wasTraining = model.training;
        model.eval();
        var detections = new List<CocoAnnotation>();
        long nextId = 1;
        try
        {
            await foreach (var batch in loader.ReadEpochAsync(0, 0, ct))
            {
                using var _ = batch;
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                using var output = model.forward(batch.Images.to(device));
                var scores = output.InferenceScores();
                var boxes = output.FlatBoxes();
                var levelCounts = output.LevelSizes.Select(s => s.Height * s.Width).ToList();
                for (int i = 0; i < batch.Size; i++)
                {
                    var dets = decoder.Decode(scores[i], boxes[i], levelCounts, batch.Placements[i], batch.SourceWidths[i], batch.SourceHeights[i]);
                    foreach (var d in dets)
                    {
                        // spec §6: COCO [x, y, w, h] with w = x2 − x1 (no +1).
                        detections.Add(new CocoAnnotation
                        {
                            Id = nextId++,
                            ImageId = batch.ImageIds[i],
                            CategoryId = dataset.Categories.CategoryId(d.ClassIndex),
                            Bbox = [Math.Round(d.X1, 2), Math.Round(d.Y1, 2), Math.Round(d.X2 - d.X1, 2), Math.Round(d.Y2 - d.Y1, 2)],
                            Area = (d.X2 - d.X1) * (d.Y2 - d.Y1),
                            Score = Math.Round(d.Score, 5),
                        });
                    }
                }
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        var stats = CocoEvaluator.Evaluate(dataset.Coco, detections);
        return (stats, detections);
    }
}
