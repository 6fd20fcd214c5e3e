using Microsoft.ML.OnnxRuntime;
using Tood.Realtime.Inference;
using Tood.Train.Export;
using Tood.Train.Export.Onnx;
using Tood.Train.Model;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tood.Tests.Export;

/// <summary>Whole-model export: ORT CPU EP outputs vs the TorchSharp forward (eval mode) on the same images.</summary>
[Collection(ExportTestSupport.Serial)]
public class ToodOnnxExporterTests(ITestOutputHelper output)
{
    private const float ScoreTol = 1e-4f;
    private const float BoxTolPx = 1e-2f;

    private (float Box, float Score) AssertParity(ToodDetector model, CheckpointMeta meta, ExportOptions o, Tensor images, string label)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var onnx = ToodOnnxExporter.ExportToBytes(model, meta, o);
        output.WriteLine($"{label}: export {sw.Elapsed.TotalSeconds:F2} s");
        var (refBoxes, refScores) = ExportTestSupport.Reference(model, images, meta);
        var (boxes, scores) = ExportTestSupport.RunOnnx(onnx, images);
        float db = OrtTestRunner.MaxAbsDiff(refBoxes, boxes), ds = OrtTestRunner.MaxAbsDiff(refScores, scores);
        output.WriteLine($"{label}: max|Δbox| = {db:E2} px, max|Δscore| = {ds:E2}, score range [{refScores.min().item<float>():F4}, {refScores.max().item<float>():F4}], box |max| {refBoxes.abs().max().item<float>():F1} px, {onnx.Length / 1e6:F2} MB");
        // The outputs must not be degenerate, or parity would prove little.
        Assert.True(refScores.std().item<float>() > 0.05f, "reference scores are nearly constant");
        Assert.True(db <= BoxTolPx, $"{label}: box delta {db} px");
        Assert.True(ds <= ScoreTol, $"{label}: score delta {ds}");
        return (db, ds);
    }

    [Fact]
    public void Tiny_tood_head_matches_torchsharp_at_batch_1_and_4_with_dynamic_batch()
    {
        using var scope = NewDisposeScope();
        using var model = ExportTestSupport.RandomModel("tiny", 5, HeadKind.TaskAligned, 11);
        var meta = ExportTestSupport.Meta(model, 256, 192);
        var o = new ExportOptions { InputWidth = 256, InputHeight = 192 }; // non-square: catches H/W swaps
        AssertParity(model, meta, o, ExportTestSupport.Images(1, 192, 256, 1), "tiny tood b1");
        AssertParity(model, meta, o, ExportTestSupport.Images(4, 192, 256, 2), "tiny tood b4");
    }

    [Fact]
    public void Tiny_parallel_head_matches_torchsharp()
    {
        using var scope = NewDisposeScope();
        using var model = ExportTestSupport.RandomModel("tiny", 3, HeadKind.Parallel, 12);
        var meta = ExportTestSupport.Meta(model, 224, 160);
        AssertParity(model, meta, new ExportOptions { InputWidth = 224, InputHeight = 160, Batch = 2 },
            ExportTestSupport.Images(2, 160, 224, 3), "tiny parallel b2 fixed");
    }

    [Fact]
    public void Tiny_after_sgd_steps_matches_torchsharp()
    {
        // Stand-in for "a briefly trained checkpoint" (no trainer yet): a few SGD steps move every weight away
        // from its init. The surrogate is a pull towards random targets in parameter space, not a loss on
        // the detector's outputs: with the model branch as merged (6bf0cda), backward through the T-Head
        // intermittently yields NaN gradients (reported to the model owner) — a training issue, not an export one.
        using var scope = NewDisposeScope();
        torch.manual_seed(13);
        using var model = ToodDetector.Create("tiny", 4);
        // Workaround (model branch 7e2c755): a fresh model's GroupNorm γ/β are uninitialised memory (seen as
        // ±1e37 after other tests freed memory); set the documented init γ=1, β=0 (spec §2.1) explicitly.
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.Contains(".gn.", StringComparison.Ordinal)) p.copy_(name.EndsWith("weight", StringComparison.Ordinal) ? ones_like(p) : zeros_like(p));
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        // Targets: each tensor perturbed by half its own spread (at least 0.03, 0.1 for 1-D tensors such as
        // biases and GN γ/β), so weights stay at a realistic scale; the two score-prior biases are pulled from
        // −4.6 towards −1 as training on positives would, so scores spread out. A private generator keeps this
        // independent of other tests.
        var gen = new Generator().manual_seed(13);
        var targets = model.named_parameters().Select(np =>
        {
            var (name, p) = np;
            if (name is "bbox_head.tood_cls.bias" or "bbox_head.cls_prob_module.2.bias") return full_like(p, -1.0) + randn(p.shape, generator: gen) * 0.5;
            float spread = p.numel() > 1 ? p.std().item<float>() : 0f;
            double sigma = p.dim() >= 2 ? Math.Max(0.5 * spread, 0.03) : 0.1;
            return p.detach() + randn(p.shape, generator: gen) * sigma;
        }).ToArray();
        var parameters = model.named_parameters().Select(np => np.parameter).ToArray(); // same order as targets
        Assert.All(parameters.Zip(targets), pt => Assert.Equal(pt.First.shape, pt.Second.shape));
        var opt = optim.SGD(parameters, 0.2);
        for (int step = 0; step < 4; step++)
        {
            opt.zero_grad();
            var loss = parameters.Zip(targets, (p, t) => (p - t).square().sum()).Aggregate((a, b) => a + b);
            loss.backward();
            opt.step();
        }
        model.eval();
        var after = model.state_dict();
        Assert.All(model.named_parameters(), np => Assert.True(np.parameter.isfinite().all().item<bool>(), $"{np.name} is not finite after SGD"));
        Assert.True((after["bbox_head.tood_cls.bias"] - before["bbox_head.tood_cls.bias"]).abs().max().item<float>() > 1e-2f);
        Assert.True((after["bbox_head.reg_offset_module.2.weight"] - before["bbox_head.reg_offset_module.2.weight"]).abs().max().item<float>() > 1e-4f);

        var meta = ExportTestSupport.Meta(model, 128, 128);
        var images = ExportTestSupport.Images(2, 128, 128, 5);
        var onnx = ToodOnnxExporter.ExportToBytes(model, meta, new ExportOptions { InputWidth = 128, InputHeight = 128 });
        var (rb, rs) = ExportTestSupport.Reference(model, images, meta);
        var (b, sc) = ExportTestSupport.RunOnnx(onnx, images);
        float db = OrtTestRunner.MaxAbsDiff(rb, b), ds = OrtTestRunner.MaxAbsDiff(rs, sc);
        output.WriteLine($"tiny after SGD: max|Δbox| = {db:E2} px, max|Δscore| = {ds:E2}, box |max| {rb.abs().max().item<float>():F1} px, score range [{rs.min().item<float>():F4}, {rs.max().item<float>():F4}] std {rs.std().item<float>():F4}");
        Assert.True(rs.std().item<float>() > 0.01f, "reference scores are nearly constant");
        Assert.True(db <= BoxTolPx && ds <= ScoreTol, $"box {db}, score {ds}");
    }

    [Fact]
    public void R50_80_classes_matches_torchsharp_at_320()
    {
        using var scope = NewDisposeScope();
        using var model = ExportTestSupport.RandomModel("r50", 80, HeadKind.TaskAligned, 14);
        var meta = ExportTestSupport.Meta(model, 320, 320);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        AssertParity(model, meta, new ExportOptions { InputWidth = 320, InputHeight = 320 }, ExportTestSupport.Images(1, 320, 320, 6), "r50 k80 320");
        output.WriteLine($"r50 export+parity {sw.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void Fp16_export_scores_within_2e_3_of_fp32()
    {
        using var scope = NewDisposeScope();
        using var model = ExportTestSupport.RandomModel("tiny", 5, HeadKind.TaskAligned, 15);
        var meta = ExportTestSupport.Meta(model, 160, 128);
        var images = ExportTestSupport.Images(2, 128, 160, 7);
        var fp32 = ToodOnnxExporter.ExportToBytes(model, meta, new ExportOptions { InputWidth = 160, InputHeight = 128 });
        var fp16 = ToodOnnxExporter.ExportToBytes(model, meta, new ExportOptions { InputWidth = 160, InputHeight = 128, Precision = OnnxPrecision.Float16 });
        var (b32, s32) = ExportTestSupport.RunOnnx(fp32, images);
        var (b16, s16) = ExportTestSupport.RunOnnx(fp16, images);
        float ds = OrtTestRunner.MaxAbsDiff(s32, s16), db = OrtTestRunner.MaxAbsDiff(b32, b16);
        output.WriteLine($"fp16 vs fp32: max|Δscore| = {ds:E2}, max|Δbox| = {db:E2} px, size {fp16.Length / 1e6:F2} MB vs {fp32.Length / 1e6:F2} MB");
        Assert.True(ds <= 2e-3f, $"fp16 score delta {ds}");
        Assert.True(fp16.Length < 0.6 * fp32.Length, "fp16 weights should halve the file");
        var m = ModelProto.Parser.ParseFrom(fp16);
        Assert.Contains(m.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        Assert.All(m.Graph.Output, o => Assert.Equal((int)TensorProto.Types.DataType.Float, o.Type.TensorType.ElemType));
    }

    [Fact]
    public void Every_node_is_a_supported_op_for_both_heads_and_precisions()
    {
        foreach (var head in new[] { HeadKind.TaskAligned, HeadKind.Parallel })
            foreach (var precision in new[] { OnnxPrecision.Float32, OnnxPrecision.Float16 })
            {
                using var model = ExportTestSupport.RandomModel("tiny", 2, head, 16);
                var proto = ToodOnnxExporter.Build(model, ExportTestSupport.Meta(model, 64, 64), new ExportOptions { InputWidth = 64, InputHeight = 64, Precision = precision });
                Assert.All(proto.Graph.Node, n => Assert.True(SupportedOps.Contains(n.OpType) && n.Domain == "", $"{n.OpType} ({n.Name}) is not a portable op"));
                Assert.Equal(OnnxGraphBuilder.Opset, proto.OpsetImport.Single().Version);
                Assert.Equal("", proto.OpsetImport.Single().Domain);
                Assert.Equal(OnnxGraphBuilder.IrVersion, proto.IrVersion);
                Assert.Contains(proto.Graph.Node, n => n.OpType == (head == HeadKind.TaskAligned ? "GridSample" : "Sigmoid"));
            }
    }

    [Fact]
    public void Exporting_the_same_checkpoint_twice_gives_byte_identical_files()
    {
        var dir = Directory.CreateTempSubdirectory("tood-export-");
        try
        {
            using (var model = ExportTestSupport.RandomModel("tiny", 3, HeadKind.TaskAligned, 17))
                Checkpoint.Save(Path.Combine(dir.FullName, "ck.tood"), model, ExportTestSupport.Meta(model, 128, 96));
            var o = new ExportOptions { InputWidth = 128, InputHeight = 96 };
            var a = ToodOnnxExporter.ExportCheckpoint(Path.Combine(dir.FullName, "ck.tood"), Path.Combine(dir.FullName, "a.onnx"), o);
            var b = ToodOnnxExporter.ExportCheckpoint(Path.Combine(dir.FullName, "ck.tood"), Path.Combine(dir.FullName, "b.onnx"), o);
            var bytesA = File.ReadAllBytes(a.Path);
            Assert.Equal(bytesA, File.ReadAllBytes(b.Path));
            Assert.Equal(bytesA.Length, a.Bytes);
            Assert.Empty(Directory.GetFiles(dir.FullName, "*.tmp")); // atomic write leaves no temp file
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Model_opens_with_all_optimizations_and_carries_contract_metadata()
    {
        using var model = ExportTestSupport.RandomModel("tiny", 3, HeadKind.TaskAligned, 18);
        var meta = ExportTestSupport.Meta(model, 96, 64);
        var onnx = ToodOnnxExporter.ExportToBytes(model, meta, new ExportOptions { InputWidth = 96, InputHeight = 64, Batch = 3 });
        using var session = OrtTestRunner.Session(onnx); // ORT_ENABLE_ALL
        Assert.Equal([ModelContract.InputName], session.InputNames);
        Assert.Equal([ModelContract.BoxesName, ModelContract.ScoresName], session.OutputNames);
        Assert.Equal([3L, 64, 96, 3], session.InputMetadata[ModelContract.InputName].Dimensions.Select(d => (long)d));
        long anchors = Priors.Count(64, 96);
        Assert.Equal([3L, anchors, 4], session.OutputMetadata[ModelContract.BoxesName].Dimensions.Select(d => (long)d));
        var md = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("[\"thing0\",\"thing1\",\"thing2\"]", md[ModelContract.Keys.ClassNames]);
        Assert.Equal("[1,3,5]", md[ModelContract.Keys.CategoryIds]);
        Assert.Equal("96", md[ModelContract.Keys.InputWidth]);
        Assert.Equal("64", md[ModelContract.Keys.InputHeight]);
        Assert.Equal("8,16,32,64,128", md[ModelContract.Keys.Strides]);
        Assert.Equal("123.675,116.28,103.53", md[ModelContract.Keys.Mean]);
        Assert.Equal("58.395,57.12,57.375", md[ModelContract.Keys.Std]);
        Assert.Equal("tiny", md[ModelContract.Keys.Preset]);
        Assert.Equal("3", md[ModelContract.Keys.NumClasses]);
        Assert.Equal("top-left;pad=104,116,124", md[ModelContract.Keys.Letterbox]);
        Assert.Equal("unit test: random weights", md[ModelContract.Keys.TrainingData]);
        Assert.Equal(ToodOnnxExporter.ExporterVersion, md[ModelContract.Keys.ExporterVersion]);
        Assert.Equal("fp32", md[ModelContract.Keys.Precision]);
        Assert.Equal("3", md[ModelContract.Keys.BatchMode]);
        Assert.Equal(ModelContract.FormatVersion, md[ModelContract.Keys.FormatVersion]);
    }

    [Fact]
    public void Truncated_or_non_onnx_files_fail_to_load_with_a_one_line_error()
    {
        using var model = ExportTestSupport.RandomModel("tiny", 2, HeadKind.TaskAligned, 19);
        var onnx = ToodOnnxExporter.ExportToBytes(model, ExportTestSupport.Meta(model, 64, 64), new ExportOptions { InputWidth = 64, InputHeight = 64 });
        foreach (var (label, bytes) in new[] { ("truncated", onnx[..(onnx.Length / 2)]), ("text", "not an onnx model\n"u8.ToArray()) })
        {
            var e = Assert.ThrowsAny<OnnxRuntimeException>(() => OrtTestRunner.Session(bytes));
            var line = OnnxLoadError.Describe($"{label}.onnx", e);
            output.WriteLine(line);
            Assert.DoesNotContain('\n', line);
            Assert.StartsWith($"model '{label}.onnx' could not be loaded", line);
        }
    }
}
