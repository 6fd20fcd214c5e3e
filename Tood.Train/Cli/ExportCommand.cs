using System.Globalization;
using Tood.CommandLine;
using Tood.Train.Export;
using Tood.Train.Model;

namespace Tood.Train.Cli;

/// <summary>
/// <c>tood-train export --checkpoint C --output model.onnx [--imgsz S | --imgsz WxH] [--batch N|dynamic] [--fp16]</c>:
/// writes the ONNX model for tood-live (ONNX contract, spec §9 P8). The input size defaults to the
/// checkpoint's training size (640 if it has none), the batch to dynamic.
/// </summary>
public sealed class ExportCommand : ICommand
{
    public string Name => "export";
    public string Usage => "export --checkpoint C --output model.onnx [--imgsz S|WxH] [--batch N|dynamic] [--fp16]   write the ONNX model";

    public Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var p = new ArgParser(args, new HashSet<string> { "fp16" });
        var checkpoint = p.Required("checkpoint");
        var outputPath = p.Required("output");
        var imgsz = p.String("imgsz");
        var batchText = p.String("batch", "dynamic")!;
        bool fp16 = p.Flag("fp16");
        p.ThrowOnUnknown();
        if (p.Positionals.Count > 0) throw new UsageException($"unexpected argument '{p.Positionals[0]}'");
        int? batch = ParseBatch(batchText);
        var size = imgsz is null ? ((int, int)?)null : ParseSize(imgsz);

        using var loaded = Checkpoint.Load(checkpoint);
        var (w, h) = size ?? (loaded.Meta.InputWidth > 0 && loaded.Meta.InputHeight > 0 ? (loaded.Meta.InputWidth, loaded.Meta.InputHeight) : (640, 640));
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

        ExportSummary s;
        try { s = ToodOnnxExporter.Export(loaded.Model, loaded.Meta, options, outputPath); }
        catch (IOException e) { Console.Error.WriteLine($"tood-train export: cannot write '{outputPath}': {e.Message}"); return Task.FromResult(1); }
        catch (UnauthorizedAccessException e) { Console.Error.WriteLine($"tood-train export: cannot write '{outputPath}': {e.Message}"); return Task.FromResult(1); }
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Create(inv,
            $"exported {s.Path}: {loaded.Meta.Preset} {loaded.Meta.Head.ToName()}, {loaded.Meta.NumClasses} classes, input {w}x{h}, batch {(batch?.ToString(inv) ?? "dynamic")}, {(fp16 ? "fp16" : "fp32")}, opset {OnnxGraphBuilder.Opset}, {s.Nodes} nodes, {s.Anchors} anchors, {s.Bytes / 1e6:F1} MB in {s.Elapsed.TotalSeconds:F1} s"));
        return Task.FromResult(0);
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
