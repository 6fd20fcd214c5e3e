using OpenCvSharp;
using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;
using Tood.Tests.Data;
using Tood.Tests.Export;
using Tood.Train.Data;
using Tood.Train.Export;
using Tood.Train.Model;
using Tood.Train.Training;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Training;

/// <summary>
/// One decoder (spec §6, mmdet port): validation/eval decode the model's raw outputs with the runtime's
/// <see cref="DetectionDecoder"/>, so the validator's detections and AP equal what tood-live's
/// <see cref="Detector"/> gets from the exported model, and keep-ratio evaluation equals decoding every image
/// alone at its own padded shape (MMDetection's one-image test). Real coco128 photos, random-weight tiny model
/// (scores spread over (0,1)); AP is measured against pseudo ground truth made from the reference detections
/// moved by a tenth of their size, so it is far from 0 and sensitive to any decoding difference.
/// </summary>
[Collection(ExportTestSupport.Serial)]
public class ValidatorDecoderParityTests
{
    private static ToodDetector Model()
    {
        var model = ToodDetector.Create("tiny", 80);
        ExportTestSupport.Randomize(model, seed: 21);
        model.eval();
        return model;
    }

    // Pseudo ground truth: per image the 8 best reference detections, shifted by 10% of their size (IoU 0.68 with
    // the original: AP < 1 and dependent on the boxes).
    internal static CocoFile PseudoTruth(CocoDetectionDataset ds, IReadOnlyList<CocoAnnotation> reference)
    {
        var gt = new CocoFile { Images = ds.Coco.Images, Categories = ds.Coco.Categories };
        foreach (var g in reference.GroupBy(d => d.ImageId))
            foreach (var d in g.OrderByDescending(d => d.Score).Take(8))
                gt.Annotations.Add(new CocoAnnotation
                {
                    Id = gt.Annotations.Count + 1, ImageId = d.ImageId, CategoryId = d.CategoryId,
                    Bbox = [d.Bbox[0] + 0.1 * d.Bbox[2], d.Bbox[1] + 0.1 * d.Bbox[3], d.Bbox[2], d.Bbox[3]], Area = d.Bbox[2] * d.Bbox[3],
                });
        return gt;
    }

    // Fraction of `a` with a detection in `b` of the same image and class, score within 1e-4 and box within 0.05 px.
    private static double Matched(IReadOnlyList<CocoAnnotation> a, IReadOnlyList<CocoAnnotation> b)
    {
        var index = b.ToLookup(d => (d.ImageId, d.CategoryId));
        return a.Count(d => index[(d.ImageId, d.CategoryId)].Any(e => Math.Abs(e.Score!.Value - d.Score!.Value) < 1e-4
            && d.Bbox.Zip(e.Bbox).All(p => Math.Abs(p.First - p.Second) < 0.05))) / (double)a.Count;
    }

    [Fact]
    public async Task Validator_AP_equals_tood_live_decoding_the_exported_model()
    {
        using var dir = new TempDir();
        var ds = Coco128Fixture.Load(dir, 8);
        using var model = Model();
        var meta = ExportTestSupport.Meta(model, 320, 320) with { CategoryIds = [.. Enumerable.Range(1, 80)] };
        var onnx = dir["tiny.onnx"];
        ToodOnnxExporter.Export(model, meta, new ExportOptions { InputWidth = 320, InputHeight = 320, Batch = 1 }, onnx);

        var runtime = new List<CocoAnnotation>();
        using (var detector = Detector.Load(onnx, new DetectorOptions { Device = DeviceSpec.Cpu, Decode = DecodeOptions.CocoEval }))
            foreach (var img in ds.Images)
            {
                using var m = Cv2.ImRead(img.Path);
                foreach (var d in detector.Detect(m)) runtime.Add(Validator.ToCoco(d, img.Id, ds.Categories, runtime.Count + 1));
            }

        var (_, validator) = await Validator.EvaluateAsync(model, ds, 320, CPU, batchSize: 4, workers: 2);
        Assert.Equal(800, validator.Count);            // 100 per image: random scores pass 0.05 everywhere
        Assert.Equal(runtime.Count, validator.Count);
        Assert.True(Matched(validator, runtime) > 0.99, $"only {Matched(validator, runtime):P1} of the validator's detections match tood-live's");
        var truth = PseudoTruth(ds, runtime);
        var apRuntime = CocoEvaluator.Evaluate(truth, runtime).AP;
        var apValidator = CocoEvaluator.Evaluate(truth, validator).AP;
        Assert.InRange(apRuntime, 0.2, 0.95);
        Assert.Equal(apRuntime, apValidator, 3);
    }

    [Fact]
    public async Task Keep_ratio_eval_of_a_checkpoint_equals_decoding_each_image_alone_at_its_own_padded_shape()
    {
        using var dir = new TempDir();
        // 640x426 and 640x425 share the 1216x800 canvas (one batch of two); 586x640 and 375x500 are alone.
        var ds = Coco128Fixture.Load(dir, "000000000139.jpg", "000000000285.jpg", "000000000785.jpg", "000000000724.jpg");
        using var model = Model();

        // Reference: batch of one, the image padded to its own multiple of 32, raw outputs through the runtime decoder.
        var reference = new List<CocoAnnotation>();
        var decoder = new DetectionDecoder();
        var perImage = new List<Detection>();
        var single = new DataLoader(ds, new DataLoaderOptions(1, ImageSizeSpec.Mmdet1333x800, Shuffle: false, Augment: null));
        await foreach (var batch in single.ReadEpochAsync(0))
        {
            using var _ = batch;
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var output = model.forward(batch.Images);
            var boxes = output.FlatBoxes()[0].contiguous().data<float>().ToArray();
            var scores = output.InferenceScores()[0].contiguous().data<float>().ToArray();
            perImage.Clear();
            decoder.Decode(boxes, scores, 80, [.. output.LevelSizes.Select(s => s.Height * s.Width)], DecodeOptions.CocoEval,
                batch.Placements[0].ToLetterbox(), batch.SourceWidths[0], batch.SourceHeights[0], ds.Categories.Names, perImage);
            reference.AddRange(perImage.Select(d => Validator.ToCoco(d, batch.ImageIds[0], ds.Categories, reference.Count + 1)));
        }

        var ckpt = dir["tiny.ckpt"];
        Checkpoint.Save(ckpt, model, ExportTestSupport.Meta(model, 1344, 800) with
        {
            CategoryIds = [.. Enumerable.Range(1, 80)],
            ClassNames = [.. Enumerable.Range(1, 80).Select(i => $"c{i}")],
            Extra = new Dictionary<string, string> { [ImageSizeSpec.EvalMetaKey] = "1333x800" },
        });
        var result = await CheckpointEvaluator.RunAsync(new EvalOptions
        {
            Checkpoint = ckpt, Data = ds.AnnotationPath, Images = ds.ImageDir, BatchSize = 4, Workers = 2, Device = "cpu",
        });
        Assert.Equal(ImageSizeSpec.Mmdet1333x800, result.ImageSize);   // from the checkpoint's meta
        Assert.Equal(reference.Count, result.Detections.Count);
        Assert.True(Matched(result.Detections, reference) > 0.99, $"only {Matched(result.Detections, reference):P1} match");
        // No clipping (mmdet): some boxes of a random model reach past the image border and stay there.
        Assert.Contains(result.Detections, d => d.Bbox[0] < 0 || d.Bbox[1] < 0);
        var truth = PseudoTruth(ds, reference);
        var apReference = CocoEvaluator.Evaluate(truth, reference).AP;
        Assert.InRange(apReference, 0.2, 0.95);
        Assert.Equal(apReference, CocoEvaluator.Evaluate(truth, result.Detections).AP, 3);
    }

    [Fact]
    public void Default_eval_scale_comes_from_the_checkpoint()
    {
        using var model = ToodDetector.Create("tiny", 3);
        var meta = ExportTestSupport.Meta(model, 256, 256);
        Assert.Equal(ImageSizeSpec.Square(256), CheckpointEvaluator.DefaultImageSize(meta));
        Assert.Equal(ImageSizeSpec.Mmdet1333x800, CheckpointEvaluator.DefaultImageSize(meta with { Extra = new Dictionary<string, string> { ["eval_scale"] = "1333x800" } }));
        // Imported before eval_scale existed: MMDetection's test scale, not a 1344 square.
        Assert.Equal(ImageSizeSpec.Mmdet1333x800, CheckpointEvaluator.DefaultImageSize(meta with { InputWidth = 1344, InputHeight = 800, Extra = new Dictionary<string, string> { ["imported_from"] = "x.pth" } }));
        var e = Assert.Throws<CheckpointException>(() => CheckpointEvaluator.DefaultImageSize(meta with { Extra = new Dictionary<string, string> { ["eval_scale"] = "7x7" } }));
        Assert.Equal("checkpoint meta eval_scale: image size '7x7': keep-ratio scale must be at least 32x32, got 7x7", e.Message);
    }
}
