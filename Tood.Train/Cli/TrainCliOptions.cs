using System.CommandLine;
using System.Globalization;
using Tood.CommandLine;
using Tood.Train.Model;

namespace Tood.Train.Cli;

/// <summary>Option kinds several tood-train commands share (preset, head, device, image size, workers).</summary>
internal static class TrainCliOptions
{
    public static Option<string> Preset(string? defaultValue, string description = "model preset") =>
        CliOptions.Choice("--preset", description, defaultValue, [.. ModelPresets.Names]);

    public static Option<HeadKind> Head() =>
        CliOptions.Value("--head", "tood|parallel", "head: T-Head (tood) or the parallel baseline head", ParseHead, () => HeadKind.TaskAligned);

    /// <summary>auto | cpu | cuda[:N], resolved (and checked) when the command runs (<see cref="DeviceSelector"/>).</summary>
    public static Option<string> Device(string defaultValue = "auto")
    {
        var option = CliOptions.Value("--device", "auto|cpu|cuda[:N]", "TorchSharp device", s => s, () => defaultValue);
        option.CompletionSources.Add("auto", "cpu", "cuda", "cuda:0");
        return option;
    }

    /// <summary>A fixed <c>WxH</c> canvas, both sides multiples of 32 and at least 32 (e.g. 1344x800).</summary>
    /// <exception cref="UsageException">one line naming <paramref name="option"/> and the text.</exception>
    public static (int Width, int Height) ParsePaddedSize(string option, string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            && w >= 32 && h >= 32 && w % 32 == 0 && h % 32 == 0)
            return (w, h);
        throw new UsageException($"{option} expects WxH with multiples of 32 (e.g. 1344x800), got '{text}'");
    }

    /// <summary>Square training/evaluation size in pixels, a positive multiple of 32 (0 allowed where it means "the checkpoint's").</summary>
    public static Option<int> ImageSize(int defaultValue, string description, bool allowZero = false) =>
        CliOptions.Value("--imgsz", "S", description, s =>
        {
            int v = CliOptions.ParseInt("--imgsz", s);
            return (allowZero && v == 0) || (v >= 32 && v % 32 == 0) ? v
                : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"--imgsz must be a positive multiple of 32, got {v}"));
        }, () => defaultValue);

    /// <summary><c>S</c> (square letterbox) or <c>WxH</c> (keep-ratio, mmdet: e.g. 1333x800, pad 32), see
    /// <see cref="Data.ImageSizeSpec"/>; null when not given (the command picks: preset recipe, checkpoint's scale).</summary>
    public static Option<Data.ImageSizeSpec?> ImageSizeSpec(string description) =>
        CliOptions.Value<Data.ImageSizeSpec?>("--imgsz", "S|WxH", description,
            s => Data.ImageSizeSpec.TryParse(s, out var spec, out var problem) ? spec : throw new FormatException($"--imgsz: {problem}"));

    public static Option<int> Workers(int defaultValue) =>
        CliOptions.Int("--workers", "N", "data loading threads", defaultValue, min: 1);

    private static HeadKind ParseHead(string s)
    {
        try { return HeadKindNames.Parse(s); }
        catch (ArgumentException e) { throw new FormatException(e.Message, e); }
    }
}
