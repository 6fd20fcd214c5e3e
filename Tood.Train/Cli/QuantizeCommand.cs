using System.CommandLine;
using Tood.CommandLine;
using Tood.Train.Export.Quantize;

namespace Tood.Train.Cli;

/// <summary>
/// <c>tood-train quantize --model M.onnx --output M.int8.onnx --calibration DATA [...]</c>: the int8 model of an ONNX file
/// tood-train exported (fp32 or fp16; fp16 weights are widened to fp32 first), so a shipped model is re-quantized in one
/// command without its checkpoint. <c>export --int8</c> does the same from a checkpoint.
/// </summary>
public sealed class QuantizeCommand : ToolCommand
{
    private readonly Option<string> _model = CliOptions.RequiredText("--model", "M.onnx", "fp32 or fp16 ONNX model exported by 'tood-train export'");
    private readonly Option<string> _output = CliOptions.RequiredText("--output", "M.int8.onnx", "int8 ONNX file to write");
    private readonly Option<bool> _fp32 = CliOptions.Flag("--fp32", "write the fp32 graph of --model instead (fp16 weights widened, no calibration): the reference an int8 model is measured against");
    private readonly CalibrationOptionSet _calibration = new();

    public QuantizeCommand() : base("quantize", "write the int8 (QDQ) model of an exported ONNX model, calibrated on real images")
    {
        Options.Add(_model);
        Options.Add(_output);
        Options.Add(_fp32);
        _calibration.AddTo(this);
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        if (parse.GetValue(_fp32))
        {
            if (_calibration.HasCalibration(parse)) throw new UsageException("--fp32 writes the float graph: it takes no --calibration");
            var path = Int8Quantizer.WriteFloat32(parse.GetRequiredValue(_model), parse.GetRequiredValue(_output));
            console.Out.WriteLine($"fp32 model {path}");
            return Task.FromResult(ExitCodes.Ok);
        }
        var options = _calibration.Read(parse, m => console.Error.WriteLine($"tood-train quantize: {m}"));
        var s = Int8Quantizer.QuantizeFile(parse.GetRequiredValue(_model), parse.GetRequiredValue(_output), options);
        console.Out.WriteLine(Int8Report.Line(s));
        return Task.FromResult(ExitCodes.Ok);
    }
}
