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
public sealed class ImportMmdetCommand : ICommand
{
    public string Name => "import-mmdet";
    public string Usage => "import-mmdet --checkpoint tood_r50_fpn_1x_coco.pth --output tood_r50_coco.ckpt [--preset r50] [--classes K] [--input-size 1344x800]";

    public Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var p = new ArgParser(args, new HashSet<string>());
        var input = p.Required("checkpoint");
        var output = p.Required("output");
        var preset = p.String("preset", "r50")!;
        int? classes = p.Has("classes") ? p.Int("classes", 80) : null;
        var (width, height) = ParseSize(p.String("input-size", "1344x800")!);
        p.ThrowOnUnknown();
        if (p.Positionals.Count > 0) throw new UsageException($"unexpected argument '{p.Positionals[0]}'");
        if (!ModelPresets.Names.Contains(preset.ToLowerInvariant()))
            throw new UsageException($"unknown --preset '{preset}' (expected {string.Join("|", ModelPresets.Names)})");
        if (classes is < 1) throw new UsageException($"--classes must be ≥ 1, got {classes}");
        if (Path.GetFullPath(input) == Path.GetFullPath(output)) throw new UsageException("--output must differ from --checkpoint");
        cancellationToken.ThrowIfCancellationRequested();

        MmdetImportResult result;
        try
        {
            result = MmdetImporter.Import(input, new MmdetImportOptions(preset.ToLowerInvariant(), classes, width, height));
        }
        catch (WeightsException e)
        {
            // Program prints "tood-train import-mmdet: <message>" and exits 1; nothing has been written.
            throw new CheckpointException(e.Message, e);
        }
        using (result)
        {
            Checkpoint.Save(output, result.Model, result.Meta);
            var m = result.Meta;
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {Path.GetFileName(input)} ({result.Layout} layout): {result.Match.Matched.Count} tensors, preset {m.Preset}, {m.NumClasses} classes ({m.Extra["class_names_from"]}), input {m.InputWidth}x{m.InputHeight} → {output}"));
        }
        return Task.FromResult(0);
    }

    internal static (int Width, int Height) ParseSize(string s)
    {
        var parts = s.ToLowerInvariant().Split('x');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            && w >= 32 && h >= 32 && w % 32 == 0 && h % 32 == 0)
            return (w, h);
        throw new UsageException($"--input-size expects WxH with multiples of 32 (e.g. 1344x800), got '{s}'");
    }
}
