using Tood.Realtime.Coco;
using Tood.Realtime.Validation;
using Tood.Tests.Cli;
using Tood.Tests.Data;
using Tood.Tests.Export;
using Tood.Tests.Training;
using Tood.Train.Data;
using Tood.Train.Export;
using Tood.Train.Model;
using Tood.Train.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tood.Tests.Realtime.Validation;

/// <summary>
/// The training validator (TorchSharp forward, <see cref="Validator"/>) and <c>tood-live val</c> (the exported ONNX
/// through the runtime) give the same COCO stats on the same model and data when both letterbox the same way
/// (a square canvas: the validator's square --imgsz is the deployment letterbox). Nothing is trained: a tiny model
/// with random weights (scores spread over (0,1)) is exported; the ground truth is pseudo truth made from its own
/// detections on 8 real coco128 photos, so AP is far from 0 and moves with any decoding difference.
/// </summary>
[Collection(ExportTestSupport.Serial)]
public class LiveValParityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Training_validator_and_tood_live_val_agree_on_all_12_stats()
    {
        using var dir = new TempDir();
        var real = Coco128Fixture.Load(dir, 8);
        using var model = ToodDetector.Create("tiny", 80);
        ExportTestSupport.Randomize(model, seed: 21);
        model.eval();
        var onnx = dir["tiny.onnx"];
        ToodOnnxExporter.Export(model, ExportTestSupport.Meta(model, 320, 320) with
        {
            ClassNames = [.. real.Categories.Names], CategoryIds = [.. real.Categories.CategoryIds],
        }, new ExportOptions { InputWidth = 320, InputHeight = 320 }, onnx);

        var (_, reference) = await Validator.EvaluateAsync(model, real, 320, CPU, batchSize: 4, workers: 2);
        var truthPath = dir["truth.json"];
        ValidatorDecoderParityTests.PseudoTruth(real, reference).Save(truthPath);
        var truth = CocoDetectionDataset.Load(truthPath, Coco128Fixture.ImageDir, warn: _ => { });
        var (validator, _) = await Validator.EvaluateAsync(model, truth, 320, CPU, batchSize: 4, workers: 2);

        var r = await CliRun.Live("val", "--model", onnx, "--data", truthPath, "--images", Coco128Fixture.ImageDir, "--device", "cpu",
            "--batch", "3", "--json", dir["val.json"], "--plots", dir["plots"]);
        Assert.True(r.Code == 0, r.Err);
        var report = ValidationReport.FromJson(File.ReadAllText(dir["val.json"]));
        var (a, b) = (validator.ToArray(), report.Stats.ToArray());
        output.WriteLine($"validator AP {a[0]:0.00000} AP50 {a[1]:0.00000}; tood-live val AP {b[0]:0.00000} AP50 {b[1]:0.00000}; max |diff| over the 12 stats {a.Zip(b).Max(p => Math.Abs(p.First - p.Second)):0.0e0}");
        Assert.InRange(a[0], 0.2, 0.95);
        for (int i = 0; i < 12; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-3, $"stat {i}: validator {a[i]}, tood-live val {b[i]}");
        Assert.StartsWith(report.Stats.Format(), r.Out);   // stdout starts with pycocotools' 12 lines

        // The report says what ran and holds every section.
        Assert.Equal((8, "320x320", 0.05f, false), (report.Images, report.Input, report.Decode.ScoreThreshold, report.Decode.ClipToImage));
        Assert.Equal(80, report.Classes.Evaluated.Count);
        var withGt = report.PerClass.Where(c => c.NumGt > 0).ToList();
        Assert.Equal(withGt.Select(c => c.CategoryId), report.PrCurves.Classes.Select(c => c.CategoryId));
        Assert.All(report.PrCurves.Classes, c => Assert.Equal(c.AP50, c.Precision.Average(), 9));
        Assert.Equal(truth.Coco.Annotations.Count, report.Confusion.Classes.Sum(c => c.Gt));
        Assert.Equal(withGt.Count + 1, Directory.GetFiles(dir["plots"], "pr_*.png").Length);
    }
}
