using Tood.Train.Common;

namespace Tood.Train.Pretrained;

/// <summary>Kind of disagreement between a weight file and a model's state dict.</summary>
public enum KeyProblemKind
{
    /// <summary>The model has the key, the file does not.</summary>
    Missing,

    /// <summary>The file has the key, the model does not.</summary>
    Unexpected,

    /// <summary>Both have the key with different shapes.</summary>
    Shape,

    /// <summary>Both have the key; the file's dtype cannot be converted losslessly in kind (e.g. int → float).</summary>
    Dtype,
}

/// <summary>One key problem; <see cref="ToString"/> is the fragment used in error messages.</summary>
public sealed record KeyProblem(KeyProblemKind Kind, string Key, long[]? Expected, long[]? Got, string? Detail = null)
{
    public static string FormatShape(long[]? shape) =>
        shape is null ? "?" : Shapes.FormatDims(shape);

    public override string ToString() => Kind switch
    {
        KeyProblemKind.Missing => $"missing {Key} {FormatShape(Expected)}",
        KeyProblemKind.Unexpected => $"unexpected {Key} {FormatShape(Got)}",
        KeyProblemKind.Shape => $"shape {Key} expected {FormatShape(Expected)} got {FormatShape(Got)}",
        KeyProblemKind.Dtype => $"dtype {Key} {Detail}",
        _ => Key,
    };

    /// <summary>
    /// "N key problems in FILE: p1; p2; …" with at most <paramref name="perKind"/> problems of each kind
    /// (so a wrong architecture still shows missing, unexpected and shape examples), then "(+M more)".
    /// </summary>
    public static string Summarise(IReadOnlyList<KeyProblem> problems, string file, int perKind = 3)
    {
        var shown = problems.GroupBy(p => p.Kind).OrderBy(g => g.Key).SelectMany(g => g.Take(perKind)).ToList();
        var text = string.Join("; ", shown);
        int more = problems.Count - shown.Count;
        var noun = problems.Count == 1 ? "key problem" : "key problems";
        return $"{problems.Count} {noun} in {Path.GetFileName(file)}: {text}" + (more > 0 ? $"; (+{more} more)" : "");
    }
}
