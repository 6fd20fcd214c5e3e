using System.Runtime.InteropServices;
using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;
using Tood.Realtime.Postprocess;
using Tood.Train.Data;
using Tood.Train.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>
/// Runs a detector over a dataset (no augmentation), decodes every image with the runtime's
/// <see cref="DetectionDecoder"/> — the same code <c>tood-live</c> runs on the exported model — and scores the
/// detections with <see cref="CocoEvaluator"/> against the dataset's original COCO file. A keep-ratio size
/// batches only images of the same padded shape, so each image is padded to its own multiple of 32 and the
/// result equals MMDetection's one-image-per-batch test.
/// </summary>
public static class Validator
{
    /// <param name="decode">Decoding thresholds; default <see cref="DecodeOptions.CocoEval"/> (spec §6, mmdet port).</param>
    public static async Task<(CocoStats Stats, List<CocoAnnotation> Detections)> EvaluateAsync(
        ToodDetector model, CocoDetectionDataset dataset, ImageSizeSpec imageSize, Device device, int batchSize = 8, int workers = 2,
        DecodeOptions? decode = null, CancellationToken ct = default)
    {
        decode ??= DecodeOptions.CocoEval;
        decode.Validate();
        var loader = new DataLoader(dataset, new DataLoaderOptions(batchSize, imageSize, Shuffle: false, Augment: null, Workers: workers,
            Grouping: imageSize.KeepRatio ? BatchGrouping.Shape : BatchGrouping.None));
        var decoder = new DetectionDecoder();
        var names = dataset.Categories.Names;
        bool wasTraining = model.training;
        model.eval();
        var detections = new List<CocoAnnotation>();
        var perImage = new List<Detection>();
        try
        {
            await foreach (var batch in loader.ReadEpochAsync(0, 0, ct))
            {
                using var _ = batch;
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                using var output = model.forward(batch.Images.to(device));
                var scores = output.InferenceScores().to(ScalarType.Float32).cpu().contiguous();
                var boxes = output.FlatBoxes().to(ScalarType.Float32).cpu().contiguous();
                int[] levels = [.. output.LevelSizes.Select(s => s.Height * s.Width)];
                int k = output.NumClasses;
                long anchors = scores.shape[1];
                var allScores = MemoryMarshal.Cast<byte, float>(scores.bytes);
                var allBoxes = MemoryMarshal.Cast<byte, float>(boxes.bytes);
                for (int i = 0; i < batch.Size; i++)
                {
                    perImage.Clear();
                    decoder.Decode(allBoxes.Slice((int)(i * anchors * 4), (int)(anchors * 4)), allScores.Slice((int)(i * anchors * k), (int)(anchors * k)),
                        k, levels, decode, batch.Placements[i].ToLetterbox(), batch.SourceWidths[i], batch.SourceHeights[i], names, perImage);
                    foreach (var d in perImage) detections.Add(ToCoco(d, batch.ImageIds[i], dataset.Categories, detections.Count + 1));
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

    /// <summary>A detection as a COCO result (<see cref="CocoResult"/>, shared with <c>tood-live val</c>).</summary>
    public static CocoAnnotation ToCoco(Detection d, long imageId, CategoryMap categories, long id) =>
        CocoResult.From(d, imageId, categories.CategoryId(d.ClassId), id);
}
