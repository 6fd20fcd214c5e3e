using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;
using Tood.Realtime.Datasets;

namespace Tood.Realtime.Video.Images;

/// <summary>One input image: its path and its name relative to the input (what the outputs call it).</summary>
public sealed record ImageInput(string Path, string Name);

/// <summary>
/// tood-live's image input: <c>--source</c> naming an image file (by extension: <see cref="ImageFiles.IsImage"/>),
/// a folder (its images, not its subfolders) or a glob pattern with <c>*</c> / <c>**</c> (e.g. <c>dir/*.jpg</c>,
/// <c>dir/**/*.png</c>; Microsoft.Extensions.FileSystemGlobbing). Images come in ordinal order of their names; a
/// name is the path relative to the folder (or to the pattern's fixed leading folders), so images in different
/// subfolders of a <c>**</c> pattern keep distinct names.
/// </summary>
public static class ImageInputs
{
    /// <summary>True when <paramref name="source"/> names image input rather than a video or a stream URL (a name ending
    /// in a separator is a folder, existing or not).</summary>
    public static bool IsImageSource(string source) =>
        !VideoCaptureSource.IsUrl(source) && (Directory.Exists(source) || Path.EndsInDirectorySeparator(source) || IsPattern(source) || ImageFiles.IsImage(source));

    internal static bool IsPattern(string source) => source.Contains('*', StringComparison.Ordinal);

    /// <summary>The images <paramref name="source"/> names, and the folder their names are relative to.</summary>
    /// <exception cref="VideoSourceException">a folder without images, a pattern that matches none (one line).</exception>
    /// <exception cref="FileNotFoundException">an image file or a pattern's folder that does not exist.</exception>
    public static (IReadOnlyList<ImageInput> Images, string BaseDirectory) Resolve(string source)
    {
        if (Directory.Exists(source))
        {
            var dir = Path.GetFullPath(source);
            var files = Directory.EnumerateFiles(dir).Where(ImageFiles.IsImage).Select(f => new ImageInput(f, Path.GetFileName(f))).ToList();
            if (files.Count == 0)
                throw new VideoSourceException($"{source}: no images in this folder ({Extensions}; subfolders are not searched: use a pattern such as {Path.Combine(source, "**", "*.jpg")})");
            return (Sorted(files), dir);
        }
        if (IsPattern(source)) return Glob(source);
        if (Path.EndsInDirectorySeparator(source)) throw new FileNotFoundException($"folder not found: {source}", source);
        if (!File.Exists(source)) throw new FileNotFoundException($"image not found: {source}", source);
        var path = Path.GetFullPath(source);
        return ([new ImageInput(path, Path.GetFileName(path))], Path.GetDirectoryName(path)!);
    }

    private static string Extensions => string.Join(' ', ImageFiles.Extensions.Order(StringComparer.Ordinal));

    /// <summary>The pattern's leading segments without a wildcard are the folder matched in; the rest is the glob.</summary>
    private static (IReadOnlyList<ImageInput>, string) Glob(string pattern)
    {
        var parts = pattern.Replace('\\', '/').Split('/');
        int fixedParts = Array.FindIndex(parts, p => p.Contains('*', StringComparison.Ordinal));
        string root = fixedParts == 0 ? "." : string.Join('/', parts[..fixedParts]);
        if (root.Length == 0) root = "/";
        string rest = string.Join('/', parts[fixedParts..]);
        if (!Directory.Exists(root)) throw new FileNotFoundException($"{pattern}: folder {root} not found", root);
        var dir = Path.GetFullPath(root);
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(rest);
        var files = matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(dir))).Files
            .Where(m => ImageFiles.IsImage(m.Path))
            .Select(m => new ImageInput(Path.GetFullPath(Path.Combine(dir, m.Path)), m.Path))
            .ToList();
        if (files.Count == 0) throw new VideoSourceException($"{pattern}: no image matches this pattern ({Extensions})");
        return (Sorted(files), dir);
    }

    private static List<ImageInput> Sorted(List<ImageInput> files) => [.. files.OrderBy(f => f.Name, StringComparer.Ordinal)];
}
