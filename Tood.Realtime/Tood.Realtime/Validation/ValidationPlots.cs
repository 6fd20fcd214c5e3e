using System.Globalization;
using System.Text;
using OpenCvSharp;
using Tood.Realtime.Rendering;

namespace Tood.Realtime.Validation;

/// <summary>
/// The PR-curve PNGs of a validation: <c>pr_curve.png</c> with every class and their mean (mAP50; classes are
/// named in the legend up to <see cref="MaxLegend"/>, beyond that drawn in grey), and <c>pr_&lt;class&gt;.png</c>
/// per class with ground truth. Class colours are the video overlay's (<see cref="OverlayRenderer.ColorOf"/>).
/// </summary>
public static class ValidationPlots
{
    public const int MaxLegend = 20;
    private static readonly Scalar MeanColor = new(180, 80, 20), Grey = new(175, 175, 175);

    /// <summary>Writes the PNGs into <paramref name="dir"/> (created if needed); returns their paths.</summary>
    public static IReadOnlyList<string> Write(string dir, ValidationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(dir);
        var inv = CultureInfo.InvariantCulture;
        var colorOf = result.Classes.Shared.ToDictionary(s => s.CategoryId, s => OverlayRenderer.ColorOf(s.ModelClass));
        var curves = result.Curves;
        bool named = curves.Count <= MaxLegend;
        var all = curves.Select(c => new PlotCurve(named ? string.Create(inv, $"{Shorten(c.Name)} {c.AP50:0.000}") : "", c.Precision,
            named ? colorOf[c.CategoryId] : Grey, 1)).ToList();
        if (curves.Count > 1 || !named) all.Add(new PlotCurve(string.Create(inv, $"all classes {result.Stats.AP50:0.000}"), PrCurve.Mean(curves), MeanColor, 3));
        string title = string.Create(inv, $"PR curve at IoU 0.5: mAP50 {result.Stats.AP50:0.000}, {curves.Count} classes, {result.Images} images");
        var paths = new List<string> { Path.Combine(dir, "pr_curve.png") };
        PrCurvePlot.Save(paths[0], title, all);
        var usedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "curve" };
        foreach (var c in curves)
        {
            var ap = result.Evaluation.PerCategory.First(p => p.CategoryId == c.CategoryId);
            var safe = FileSafe(c.Name);
            if (!usedNames.Add(safe)) safe = string.Create(inv, $"{safe}_{c.CategoryId}");
            var path = Path.Combine(dir, $"pr_{safe}.png");
            PrCurvePlot.Save(path, string.Create(inv, $"{c.Name}: AP50 {c.AP50:0.000}, AP {ap.AP:0.000}, {c.NumGt} boxes"),
                [new PlotCurve(string.Create(inv, $"AP50 {c.AP50:0.000}"), c.Precision, colorOf[c.CategoryId], 2)]);
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Letters and digits kept (lower case), anything else one '_'.</summary>
    public static string FileSafe(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name.Trim().ToLowerInvariant())
            if (char.IsAsciiLetterOrDigit(ch)) sb.Append(ch);
            else if (sb.Length > 0 && sb[^1] != '_') sb.Append('_');
        var s = sb.ToString().Trim('_');
        return s.Length > 0 ? s : "class";
    }

    private static string Shorten(string name) => name.Length <= 18 ? name : name[..17] + "~";
}
