using System.Globalization;
using System.Text;

namespace Tood.Realtime.Validation;

/// <summary>The console form of a validation: pycocotools' 12 summary lines, a per-class AP table and the
/// confusion summary (its wrong-class pairs, most frequent first).</summary>
public static class ValidationText
{
    /// <param name="maxPairs">wrong-class pairs listed (the JSON has all).</param>
    public static string Format(ValidationResult result, int maxPairs = 15)
    {
        ArgumentNullException.ThrowIfNull(result);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(result.Stats.Format()).Append("\n\n");

        int width = Math.Max(12, result.Evaluation.PerCategory.Max(c => c.Name.Length) + 2);
        sb.Append("class".PadRight(width)).Append("  boxes      AP    AP50    AP75\n");
        static string Ap(double v) => v < 0 ? "      -" : PyFormatFixed(v).PadLeft(7);
        foreach (var c in result.Evaluation.PerCategory)
            sb.Append(c.Name.PadRight(width)).Append(c.NumGt.ToString(inv).PadLeft(7)).Append(' ')
              .Append(Ap(c.AP)).Append(' ').Append(Ap(c.AP50)).Append(' ').Append(Ap(c.AP75)).Append('\n');
        sb.Append("all".PadRight(width)).Append(result.Evaluation.PerCategory.Sum(c => c.NumGt).ToString(inv).PadLeft(7)).Append(' ')
          .Append(Ap(result.Stats.AP)).Append(' ').Append(Ap(result.Stats.AP50)).Append(' ').Append(Ap(result.Stats.AP75)).Append('\n');

        var cf = result.Confusion;
        sb.Append('\n').Append(string.Create(inv,
            $"confusion at score >= {cf.ScoreThreshold:0.###}, IoU >= {cf.IouThreshold:0.##}: {cf.Correct} correct, {cf.WrongClass} on a box of another class, " +
            $"{cf.Background} background (incl. duplicates), {cf.Missed} boxes missed\n"));
        if (cf.Pairs.Count > 0)
        {
            int pw = Math.Max(16, cf.Pairs.Take(maxPairs).Max(p => p.Predicted.Length + p.True.Length + 4) + 2);
            sb.Append("  ").Append("predicted -> true".PadRight(pw)).Append("count\n");
            foreach (var p in cf.Pairs.Take(maxPairs))
                sb.Append("  ").Append($"{p.Predicted} -> {p.True}".PadRight(pw)).Append(p.Count.ToString(inv).PadLeft(5)).Append('\n');
            if (cf.Pairs.Count > maxPairs) sb.Append(string.Create(inv, $"  ... {cf.Pairs.Count - maxPairs} more pairs (--json has all)\n"));
        }
        return sb.ToString();
    }

    private static string PyFormatFixed(double v) => Evaluation.PyFormat.Fixed(v, 3);
}
