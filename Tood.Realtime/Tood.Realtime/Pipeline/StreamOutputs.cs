using System.Globalization;
using System.Text;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// Output names with several sources: each of <c>--output --save-json --save-csv --save-coco --save-mot</c> is a pattern in which
/// <c>{i}</c> becomes the source's number (1, 2 … in the order given) and <c>{name}</c> its name (the file name without
/// extension; for a URL the last path segment, else the host and port; for a camera "cameraN"), with characters
/// other than letters, digits, '.', '-' and '_' replaced by '_'. With one source a path is used as given (a pattern is
/// still expanded). With several, a path without a placeholder, or a pattern that gives two sources the same file, is
/// an error naming the flag — one rule for every output, so no stream can overwrite another's.
/// </summary>
public static class StreamOutputs
{
    public static bool HasPlaceholder(string path) =>
        path.Contains("{i}", StringComparison.Ordinal) || path.Contains("{name}", StringComparison.Ordinal);

    public static string Expand(string pattern, int number, string name) => pattern
        .Replace("{i}", number.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{name}", name, StringComparison.Ordinal);

    /// <summary>The <c>{name}</c> of a source given as a file, URL or "camera N".</summary>
    public static string NameOf(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        string raw;
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            string last = uri.AbsolutePath.TrimEnd('/').Split('/')[^1];
            raw = last.Length > 0 ? Path.GetFileNameWithoutExtension(last) : uri.IsDefaultPort || uri.Port < 0 ? uri.Host : $"{uri.Host}_{uri.Port}";
        }
        else raw = source.StartsWith("camera ", StringComparison.Ordinal) ? source.Replace(" ", "", StringComparison.Ordinal) : Path.GetFileNameWithoutExtension(source);
        var sb = new StringBuilder(raw.Length);
        foreach (char c in raw) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        return sb.Length > 0 ? sb.ToString() : "source";
    }

    /// <summary>The path of output <paramref name="flag"/> for each source (null when the output is not asked for).</summary>
    /// <exception cref="ArgumentException">several sources and a path without {i}/{name}, or two sources mapped to one file.</exception>
    public static IReadOnlyList<string>? ForStreams(string? pattern, string flag, IReadOnlyList<string> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (pattern is null) return null;
        if (sources.Count > 1 && !HasPlaceholder(pattern))
            throw new ArgumentException($"{flag} {pattern}: with {sources.Count} sources give a pattern with {{i}} (source number) or {{name}} (source name), e.g. {Example(pattern)}");
        var paths = sources.Select((s, k) => Expand(pattern, k + 1, NameOf(s))).ToList();
        var clash = paths.Select((p, k) => (Full: Path.GetFullPath(p), Number: k + 1)).GroupBy(p => p.Full).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException($"{flag} {pattern}: sources {string.Join(" and ", clash.Select(c => c.Number))} would both write {clash.Key}; use {{i}}");
        return paths;
    }

    private static string Example(string path)
    {
        string ext = Path.GetExtension(path);
        return Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}_{{i}}{ext}");
    }
}
