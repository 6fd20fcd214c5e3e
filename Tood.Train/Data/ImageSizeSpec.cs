using System.Globalization;
using Tood.Realtime.Inference;

namespace Tood.Train.Data;

/// <summary>
/// How images are sized for the network (training, validation, eval):
/// <list type="bullet">
/// <item><b>Square</b> <c>S</c> (e.g. <c>512</c>): letterbox into an S×S canvas, top-left, padded with the
/// runtime's pad colour — exactly what the deployed ONNX model sees (<see cref="Letterbox.Compute"/>).</item>
/// <item><b>Keep-ratio</b> <c>WxH</c> (e.g. <c>1333x800</c>): MMDetection's <c>Resize(img_scale=(1333, 800),
/// keep_ratio=True)</c> + <c>Pad(size_divisor=32)</c> (spec §5): scale = min(long/max(w,h), short/min(w,h)) with
/// long = max(W,H), short = min(W,H); new size int(x·scale + 0.5); each image padded with zeros (after
/// normalisation) to a multiple of 32, a batch to its largest image (<see cref="Letterbox.KeepRatio"/>).</item>
/// </list>
/// </summary>
public readonly record struct ImageSizeSpec
{
    public const int PadDivisor = 32;

    /// <summary>Checkpoint meta key (Extra) holding the spec <c>tood-train eval</c> uses by default.</summary>
    public const string EvalMetaKey = "eval_scale";

    /// <summary>Canvas side (square) or the W of WxH (keep-ratio).</summary>
    public int Width { get; }
    /// <summary>Canvas side (square) or the H of WxH (keep-ratio).</summary>
    public int Height { get; }
    public bool KeepRatio { get; }

    private ImageSizeSpec(int width, int height, bool keepRatio) => (Width, Height, KeepRatio) = (width, height, keepRatio);

    /// <summary>Why this spec is unusable, or null: a square must be a positive multiple of 32, a keep-ratio
    /// scale at least 32 on both sides (default(ImageSizeSpec) is "not set").</summary>
    public string? Problem() => KeepRatio
        ? Width >= PadDivisor && Height >= PadDivisor ? null : $"keep-ratio scale must be at least {PadDivisor}x{PadDivisor}, got {this}"
        : Width > 0 && Width % PadDivisor == 0 ? null : $"square size must be a positive multiple of {PadDivisor}, got {Width}";

    public static ImageSizeSpec Square(int size) => new(size, size, false);

    public static ImageSizeSpec KeepRatioScale(int width, int height) => new(width, height, true);

    /// <summary>A square size, as every API took before keep-ratio existed.</summary>
    public static implicit operator ImageSizeSpec(int square) => Square(square);

    /// <summary>MMDetection's single-scale R-50 recipe (spec §5/§6).</summary>
    public static ImageSizeSpec Mmdet1333x800 => KeepRatioScale(1333, 800);

    /// <summary>Long and short edge limits of the keep-ratio scale.</summary>
    public int LongEdge => Math.Max(Width, Height);
    public int ShortEdge => Math.Min(Width, Height);

    /// <summary>Parses <c>S</c> (square) or <c>WxH</c> (keep-ratio).</summary>
    /// <exception cref="FormatException">one line naming the text.</exception>
    public static ImageSizeSpec Parse(string text) =>
        TryParse(text, out var spec, out var problem) ? spec : throw new FormatException($"image size '{text}': {problem}");

    /// <summary>Parses <c>S</c> or <c>WxH</c>; on failure <paramref name="problem"/> says why (naming the value).</summary>
    public static bool TryParse(string text, out ImageSizeSpec spec, out string problem)
    {
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length == 1 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var s)) spec = Square(s);
        else if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h))
            spec = KeepRatioScale(w, h);
        else
        {
            (spec, problem) = (default, $"expected S (square letterbox, a multiple of 32) or WxH (keep-ratio, e.g. 1333x800), got '{text}'");
            return false;
        }
        problem = spec.Problem() ?? "";
        return problem.Length == 0;
    }

    /// <summary>The letterbox of a <paramref name="srcWidth"/>×<paramref name="srcHeight"/> image under this spec
    /// (Target = that image's own canvas: S×S, or its resized size padded to 32).</summary>
    public Letterbox Fit(int srcWidth, int srcHeight) => Problem() is { } problem ? throw new InvalidOperationException(problem)
        : KeepRatio ? Letterbox.KeepRatio(srcWidth, srcHeight, LongEdge, ShortEdge, PadDivisor)
        : Letterbox.Compute(srcWidth, srcHeight, Width, Height);

    /// <summary>A fixed input size for deployment (ONNX export): the square, or the landscape keep-ratio canvas
    /// padded to 32 (1333x800 → 1344×800).</summary>
    public (int Width, int Height) DeploymentSize => KeepRatio ? (RoundUp(LongEdge), RoundUp(ShortEdge)) : (Width, Height);

    public static int RoundUp(int v) => (v + PadDivisor - 1) / PadDivisor * PadDivisor;

    public override string ToString() => KeepRatio
        ? string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}")
        : Width.ToString(CultureInfo.InvariantCulture);
}
