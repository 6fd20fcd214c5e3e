using Tood.Realtime.Inference;
using Tood.Tests.Cli;
using Tood.Tests.Data;
using Tood.Train.Export.Onnx;
using Tood.Train.Model;
using Xunit;

namespace Tood.Tests.Export.Quantize;

/// <summary><c>tood-train quantize</c> / <c>export --int8</c> refusals: one line on stderr, non-zero exit, no file written.</summary>
[Collection(ExportTestSupport.Serial)]
public class QuantizeCommandTests
{
    private static string Shipped => RepoPaths.Path("samples", "tood_tiny_shapes.onnx");

    [Fact]
    public async Task Missing_calibration_set_is_a_one_line_error()
    {
        using var dir = new TempDir();
        var r = await CliRun.Train("quantize", "--model", Shipped, "--output", dir["m.onnx"], "--calibration", dir["nowhere"]);
        Assert.Equal(1, r.Code);
        Assert.Equal($"tood-train quantize: error: calibration data {dir["nowhere"]} not found", r.ErrorLine);
        Assert.False(File.Exists(dir["m.onnx"]));
    }

    [Fact]
    public async Task Calibration_folder_without_readable_images_is_a_one_line_error()
    {
        using var dir = new TempDir();
        var images = Directory.CreateDirectory(dir["images"]).FullName;
        File.WriteAllText(Path.Combine(images, "a.jpg"), "not a jpeg");
        File.WriteAllText(Path.Combine(images, "b.png"), "not a png either");
        var r = await CliRun.Train("quantize", "--model", Shipped, "--output", dir["m.onnx"], "--calibration", images);
        Assert.Equal(1, r.Code);
        // The skipped files are logged (one line each), then the error: one line.
        var error = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error:", StringComparison.Ordinal));
        Assert.Equal($"tood-train quantize: error: calibration data {images}: none of the 2 images picked from {images} is a readable image", error);
        Assert.False(File.Exists(dir["m.onnx"]));
    }

    [Fact]
    public async Task Calibration_folder_without_images_is_a_one_line_error()
    {
        using var dir = new TempDir();
        var empty = Directory.CreateDirectory(dir["empty"]).FullName;
        File.WriteAllText(Path.Combine(empty, "notes.txt"), "no images here");
        var r = await CliRun.Train("quantize", "--model", Shipped, "--output", dir["m.onnx"], "--calibration", empty);
        Assert.Equal(1, r.Code);
        Assert.StartsWith($"tood-train quantize: error: calibration data {empty}: no images in this folder", r.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Int8_needs_calibration_and_excludes_fp16()
    {
        using var dir = new TempDir();
        var r = await CliRun.Train("quantize", "--model", Shipped, "--output", dir["m.onnx"]);
        Assert.Equal(2, r.Code);
        Assert.Contains("needs --calibration DATA", r.ErrorLine, StringComparison.Ordinal);
        r = await CliRun.Train("export", "--checkpoint", dir["c.ckpt"], "--output", dir["m.onnx"], "--int8", "--fp16", "--calibration", dir["x"]);
        Assert.Equal(2, r.Code);
        Assert.Contains("--fp16 and --int8 exclude each other", r.ErrorLine, StringComparison.Ordinal);
        r = await CliRun.Train("quantize", "--model", Shipped, "--output", dir["m.onnx"], "--calibration", dir["x"], "--calibration-method", "mse");
        Assert.Equal(2, r.Code);
        Assert.Contains("--calibration-method must be minmax|percentile|entropy, got 'mse'", r.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tiny_model_quantizes_from_an_image_glob_and_its_int8_file_cannot_be_quantized_again()
    {
        using var dir = new TempDir();
        var glob = Path.Combine(SharedData.Coco128, "images", "train2017", "0000000000*.jpg");
        var r = await CliRun.Train("quantize", "--model", Shipped, "--output", dir["tiny.int8.onnx"], "--calibration", glob,
            "--calibration-images", "4", "--calibration-method", "entropy", "--float-layers", "none");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("0 conv weights float", r.Out, StringComparison.Ordinal);
        r = await CliRun.Train("quantize", "--model", dir["tiny.int8.onnx"], "--output", dir["again.onnx"], "--calibration", glob);
        Assert.Equal(1, r.Code);
        Assert.Equal("tood-train quantize: error: the model is already int8; quantize its fp32 or fp16 export", r.ErrorLine);
    }

    [Fact]
    public async Task Export_int8_writes_a_calibrated_int8_model_from_a_checkpoint()
    {
        using var dir = new TempDir();
        var ck = dir["ck.tood"];
        using (var model = ToodDetector.Create("tiny", 2)) Checkpoint.Save(ck, model, ExportTestSupport.Meta(model, 96, 64));
        var glob = Path.Combine(SharedData.Coco128, "images", "train2017", "0000000000*.jpg");
        var r = await CliRun.Train("export", "--checkpoint", ck, "--output", dir["m.int8.onnx"], "--imgsz", "128x96", "--int8",
            "--calibration", glob, "--calibration-images", "3");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("from fp32", r.Out, StringComparison.Ordinal);
        var m = ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir["m.int8.onnx"]));
        var meta = m.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("int8", meta[ModelContract.Keys.Precision]);
        Assert.Contains("images=3 of", meta[ModelContract.Keys.Calibration], StringComparison.Ordinal);
        Assert.False(meta.ContainsKey(ModelContract.Keys.QuantizedFrom)); // from a checkpoint, not from a file
        Assert.Contains(m.Graph.Node, n => n.OpType == "QuantizeLinear");
        r = await CliRun.Train("export", "--checkpoint", ck, "--output", dir["m.onnx"], "--calibration", glob);
        Assert.Equal(2, r.Code);
        Assert.Contains("--calibration is for --int8 exports", r.ErrorLine, StringComparison.Ordinal);
    }
}
