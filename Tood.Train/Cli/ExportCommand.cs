using System.CommandLine;
using System.Globalization;
using Tood.CommandLine;
using Tood.Train.Export;
using Tood.Train.Export.Quantize;
using Tood.Train.Model;

namespace Tood.Train.Cli;

/// <summary>
/// <c>tood-train export --checkpoint C --output model.onnx [--imgsz S | --imgsz WxH] [--batch N|dynamic] [--fp16 | --int8 --calibration DATA]</c>:
/// writes the ONNX model for tood-live (ONNX contract, spec §9 P8). The input size defaults to the
/// checkpoint's training size (640 if it has none), the batch to dynamic. <c>--int8</c> exports fp32 in memory and
/// quantizes it as <c>tood-train quantize</c> does (<see cref="Int8Quantizer"/>).
/// </summary>
public sealed class ExportCommand : ToolCommand
{
    private readonly Option<string> _checkpoint = CliOptions.RequiredText("--checkpoint", "C", "checkpoint (.ckpt) to export");
    private readonly Option<string> _output = CliOptions.RequiredText("--output", "model.onnx", "ONNX file to write");
    private readonly Option<(int Width, int Height)?> _imgsz = CliOptions.Value<(int, int)?>("--imgsz", "S|WxH",
        "input size (default: the checkpoint's training size, else 640)", s => ParseSize(s));
    // Read as text and parsed in ExecuteAsync: System.CommandLine 2.0.15 cannot convert a custom parser's null
    // ("dynamic") to int? (InvalidCastException).
    private readonly Option<string?> _batch = CliOptions.Text("--batch", "N|dynamic", "fixed batch size, or dynamic (the default)");
    private readonly Option<bool> _fp16 = CliOptions.Flag("--fp16", "store weights and compute in float16");
    private readonly Option<bool> _int8 = CliOptions.Flag("--int8", "int8 QDQ model for CPUs, calibrated on --calibration images (as tood-train quantize)");
    private readonly CalibrationOptionSet _calibration = new();

    public ExportCommand() : base("export", "write the ONNX model for tood-live")
    {
        foreach (var o in new Option[] { _checkpoint, _output, _imgsz, _batch, _fp16, _int8 }) Options.Add(o);
        _calibration.AddTo(this);
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var outputPath = parse.GetRequiredValue(_output);
        int? batch = parse.GetValue(_batch) is { } b ? ParseBatch(b) : null;
        bool fp16 = parse.GetValue(_fp16), int8 = parse.GetValue(_int8);
        if (fp16 && int8) throw new UsageException("--fp16 and --int8 exclude each other");
        if (!int8 && _calibration.HasCalibration(parse)) throw new UsageException("--calibration is for --int8 exports");
        var quantize = int8 ? _calibration.Read(parse, m => console.Error.WriteLine($"tood-train export: {m}")) : null;
        using var loaded = Checkpoint.Load(parse.GetRequiredValue(_checkpoint));
        var (w, h) = parse.GetValue(_imgsz) ?? (loaded.Meta.InputWidth > 0 && loaded.Meta.InputHeight > 0 ? (loaded.Meta.InputWidth, loaded.Meta.InputHeight) : (640, 640));
        var options = new ExportOptions
        {
            InputWidth = w,
            InputHeight = h,
            Batch = batch,
            Precision = fp16 ? OnnxPrecision.Float16 : OnnxPrecision.Float32,
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException($"--imgsz/--batch: {e.Message}"); }
        cancellationToken.ThrowIfCancellationRequested();

        if (quantize is not null)
        {
            var model = ToodOnnxExporter.Build(loaded.Model, loaded.Meta, options);
            console.Out.WriteLine(Int8Report.Line(Int8Quantizer.QuantizeModel(model, outputPath, quantize)));
            return Task.FromResult(ExitCodes.Ok);
        }
        ExportSummary s;
        try { s = ToodOnnxExporter.Export(loaded.Model, loaded.Meta, options, outputPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"tood-train export: error: cannot write '{outputPath}': {e.Message}");
            return Task.FromResult(ExitCodes.Error);
        }
        var inv = CultureInfo.InvariantCulture;
        console.Out.WriteLine(string.Create(inv,
            $"exported {s.Path}: {loaded.Meta.Preset} {loaded.Meta.Head.ToName()}, {loaded.Meta.NumClasses} classes, input {w}x{h}, batch {(batch?.ToString(inv) ?? "dynamic")}, {(fp16 ? "fp16" : "fp32")}, opset {OnnxGraphBuilder.Opset}, {s.Nodes} nodes, {s.Anchors} anchors, {s.Bytes / 1e6:F1} MB in {s.Elapsed.TotalSeconds:F1} s"));
        return Task.FromResult(ExitCodes.Ok);
    }

    /// <summary>"640" → 640×640, "640x480" → width 640, height 480.</summary>
    internal static (int Width, int Height) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length is 1 or 2 && parts.All(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0))
        {
            int w = int.Parse(parts[0], CultureInfo.InvariantCulture);
            int h = parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : w;
            return (w, h);
        }
        throw new UsageException($"--imgsz expects S or WxH (e.g. 640 or 640x480), got '{text}'");
    }

    internal static int? ParseBatch(string text) =>
        text == "dynamic" ? null
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b > 0 ? b
        : throw new UsageException($"--batch expects a positive integer or 'dynamic', got '{text}'");
}
