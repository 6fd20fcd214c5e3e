using System.CommandLine;
using Tood.CommandLine;
using Tood.Train.Export.Quantize;

namespace Tood.Train.Cli;

/// <summary>The int8 options <c>tood-train export --int8</c> and <c>tood-train quantize</c> share.</summary>
internal sealed class CalibrationOptionSet
{
    private readonly Option<string?> _calibration = CliOptions.Text("--calibration", "DATA",
        "calibration images: a dataset (YOLO data.yaml or folder, VOC folder; --calibration-split picks the split) or images (file, folder, glob); use training images, never the evaluation split");
    private readonly Option<string> _split = CliOptions.Value("--calibration-split", "S", "split of a calibration dataset", s => s, () => "train");
    private readonly Option<int> _images = CliOptions.Int("--calibration-images", "N", "calibration images, evenly spaced over DATA", 64, min: 1);
    private readonly Option<string> _method = CliOptions.Choice("--calibration-method",
        "activation ranges: observed min/max, the 99.99th percentile of each tail, or TensorRT's entropy (KL) threshold",
        CalibrationMethod.MinMax.Name(), [.. Enum.GetValues<CalibrationMethod>().Select(m => m.Name())]);
    private readonly Option<string?> _float = CliOptions.Text("--float-layers", "a,b|none",
        "convs kept float, by part of their weight name (default: the first conv, the final predictors, the alignment branches M and O, layer attention; README \"INT8 models for CPUs\"); none quantizes every conv");

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _calibration, _split, _images, _method, _float }) command.Options.Add(o);
    }

    public bool HasCalibration(ParseResult parse) => parse.GetValue(_calibration) is not null;

    /// <exception cref="UsageException">no --calibration.</exception>
    public QuantizeOptions Read(ParseResult parse, Action<string>? log) => new()
    {
        Calibration = parse.GetValue(_calibration) ?? throw new UsageException("an int8 model needs --calibration DATA (training images, never the evaluation split)"),
        Split = parse.GetRequiredValue(_split),
        Images = parse.GetValue(_images),
        Method = CalibrationMethods.TryParse(parse.GetRequiredValue(_method), out var m) ? m : CalibrationMethod.MinMax,
        FloatLayers = parse.GetValue(_float) is { } f ? FloatLayers.Parse(f) : FloatLayers.Default,
        Log = log,
    };
}
