using System.CommandLine;
using System.Globalization;
using Tood.CommandLine;
using Tood.Train.Model;
using Tood.Train.Pretrained;

namespace Tood.Train.Cli;

/// <summary>
/// <c>tood-train import-mmdet --checkpoint X.pth --output Y.ckpt [--preset r50] [--classes K] [--input-size 1344x800]</c>:
/// converts an MMDetection TOOD checkpoint into a Tood checkpoint (then <c>tood-train export</c> → ONNX for tood-live).
/// Any key problem is one error line (exit 1) and no output file is created.
/// </summary>
public sealed class ImportMmdetCommand : ToolCommand
{
    private readonly Option<string> _checkpoint = CliOptions.RequiredText("--checkpoint", "X.pth", "MMDetection TOOD checkpoint (.pth or .safetensors)");
    private readonly Option<string> _output = CliOptions.RequiredText("--output", "Y.ckpt", "Tood checkpoint to write");
    private readonly Option<string> _preset = TrainCliOptions.Preset("r50", "Tood preset the checkpoint's architecture matches");
    private readonly Option<int?> _classes = CliOptions.OptionalInt("--classes", "K", "number of classes (default: from the checkpoint)", min: 1);
    private readonly Option<(int Width, int Height)> _inputSize = CliOptions.Value("--input-size", "WxH",
        "detector input size, multiples of 32", text => TrainCliOptions.ParsePaddedSize("--input-size", text), () => (1344, 800));

    public ImportMmdetCommand() : base("import-mmdet", "convert an MMDetection TOOD checkpoint into a Tood checkpoint")
    {
        foreach (var o in new Option[] { _checkpoint, _output, _preset, _classes, _inputSize }) Options.Add(o);
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var input = parse.GetRequiredValue(_checkpoint);
        var output = parse.GetRequiredValue(_output);
        if (Path.GetFullPath(input) == Path.GetFullPath(output)) throw new UsageException("--output must differ from --checkpoint");
        var (width, height) = parse.GetValue(_inputSize);
        cancellationToken.ThrowIfCancellationRequested();

        MmdetImportResult result;
        try
        {
            result = MmdetImporter.Import(input, new MmdetImportOptions(parse.GetRequiredValue(_preset), parse.GetValue(_classes), width, height));
        }
        catch (WeightsException e)
        {
            // One line, exit 1 (TrainCli); nothing has been written.
            throw new CheckpointException(e.Message, e);
        }
        using (result)
        {
            foreach (var w in result.Warnings) console.Error.WriteLine($"tood-train import-mmdet: warning: {w}");
            Checkpoint.Save(output, result.Model, result.Meta);
            var m = result.Meta;
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {Path.GetFileName(input)} ({result.Layout} layout): {result.Match.Matched.Count} tensors, preset {m.Preset}, {m.NumClasses} classes ({m.Extra["class_names_from"]}), input {m.InputWidth}x{m.InputHeight} → {output}"));
        }
        return Task.FromResult(ExitCodes.Ok);
    }
}
