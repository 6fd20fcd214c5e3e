using Tood.CommandLine;
using Tood.Train.Cli;
using Tood.Train.Export.Onnx;
using Tood.Train.Model;
using Xunit;

namespace Tood.Tests.Export;

[Collection(ExportTestSupport.Serial)]
public class ExportCommandTests
{
    [Theory]
    [InlineData("640", 640, 640)]
    [InlineData("640x480", 640, 480)]
    [InlineData("320X256", 320, 256)]
    public void Imgsz_accepts_square_and_width_x_height(string text, int w, int h) =>
        Assert.Equal((w, h), ExportCommand.ParseSize(text));

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("640x")]
    [InlineData("-32")]
    [InlineData("640x480x3")]
    public void Imgsz_rejects_malformed_values(string text) =>
        Assert.Contains("--imgsz", Assert.Throws<UsageException>(() => ExportCommand.ParseSize(text)).Message);

    [Fact]
    public void Batch_is_dynamic_or_positive()
    {
        Assert.Null(ExportCommand.ParseBatch("dynamic"));
        Assert.Equal(4, ExportCommand.ParseBatch("4"));
        Assert.Throws<UsageException>(() => ExportCommand.ParseBatch("0"));
        Assert.Throws<UsageException>(() => ExportCommand.ParseBatch("auto"));
    }

    [Fact]
    public async Task Export_command_writes_a_fixed_batch_fp16_model_from_a_checkpoint()
    {
        var dir = Directory.CreateTempSubdirectory("tood-export-cli-");
        try
        {
            var ck = Path.Combine(dir.FullName, "ck.tood");
            using (var model = ToodDetector.Create("tiny", 2)) Checkpoint.Save(ck, model, ExportTestSupport.Meta(model, 96, 64));
            var onnx = Path.Combine(dir.FullName, "out", "m.onnx");
            int rc = await new ExportCommand().RunAsync(["--checkpoint", ck, "--output", onnx, "--imgsz", "128x96", "--batch", "2", "--fp16"], CancellationToken.None);
            Assert.Equal(0, rc);
            var m = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
            var input = m.Graph.Input.Single().Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
            Assert.Equal([2L, 96, 128, 3], input);
            Assert.Equal("fp16", m.MetadataProps.Single(p => p.Key == "tood.precision").Value);

            // Without --imgsz the checkpoint's input size is used; the batch is dynamic by default and when asked for.
            foreach (var batchArgs in new[] { Array.Empty<string>(), ["--batch", "dynamic"] })
            {
                rc = await new ExportCommand().RunAsync(["--checkpoint", ck, "--output", onnx, .. batchArgs], CancellationToken.None);
                Assert.Equal(0, rc);
                m = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
                var dims = m.Graph.Input.Single().Type.TensorType.Shape.Dim;
                Assert.Equal("batch", dims[0].DimParam);
                Assert.Equal([64L, 96], new[] { dims[1].DimValue, dims[2].DimValue });
            }
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public async Task Unknown_option_and_missing_checkpoint_are_one_line_errors()
    {
        await Assert.ThrowsAsync<UsageException>(() => new ExportCommand().RunAsync(["--checkpoint", "a", "--output", "b", "--bogus", "1"], CancellationToken.None));
        await Assert.ThrowsAsync<UsageException>(() => new ExportCommand().RunAsync(["--output", "b"], CancellationToken.None));
        var e = await Assert.ThrowsAsync<CheckpointException>(() => new ExportCommand().RunAsync(["--checkpoint", "/nonexistent/ck.tood", "--output", "b.onnx"], CancellationToken.None));
        Assert.Contains("/nonexistent/ck.tood", e.Message);
    }
}
