using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tood.Realtime.Datasets;

/// <summary>
/// An Ultralytics / Roboflow <c>data.yaml</c>: <c>path</c> (dataset root; relative to the yaml's folder here,
/// since there is no global Ultralytics datasets folder), <c>train</c>/<c>val</c>/<c>test</c> each a folder,
/// a <c>.txt</c> list of image paths, or a list of those (relative to the root), and <c>names</c> as a list or
/// a dict of contiguous ids 0..n−1 (<c>nc</c>, when present, must agree).
/// </summary>
public sealed record YoloDataYaml(string YamlPath, string Root, IReadOnlyDictionary<string, IReadOnlyList<string>> Splits, IReadOnlyList<string> Names)
{
    public static YoloDataYaml Read(string yamlPath)
    {
        var map = LoadMapping(yamlPath);
        InvalidDataException Fail(YamlNode node, string message) => new($"{yamlPath}:{node.Start.Line}: {message}");
        string yamlDir = Path.GetDirectoryName(Path.GetFullPath(yamlPath))!;
        string root = Get(map, "path") is { } pathNode ? Path.GetFullPath(Path.Combine(yamlDir, Scalar(pathNode, "path", Fail))) : yamlDir;

        var splits = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var key in new[] { "train", "val", "test" })
        {
            if (Get(map, key) is not { } node) continue;
            List<string> entries = node switch
            {
                YamlSequenceNode seq => [.. seq.Children.Select(c => Scalar(c, key, Fail))],
                YamlScalarNode s when string.IsNullOrEmpty(s.Value) => [],
                _ => [Scalar(node, key, Fail)],
            };
            splits[key] = [.. entries.Select(e => Path.GetFullPath(Path.Combine(root, e)))];
        }
        var names = ReadNames(map, Fail);
        if (Get(map, "nc") is { } nc && (!int.TryParse(Scalar(nc, "nc", Fail), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n != names.Count))
            throw Fail(nc, $"nc is {Scalar(nc, "nc", Fail)} but names has {names.Count} classes");
        return new YoloDataYaml(yamlPath, root, splits, names);
    }

    /// <summary>The yaml's top-level mapping; a missing file or malformed YAML is an error naming the file (and line).</summary>
    private static YamlMappingNode LoadMapping(string yamlPath)
    {
        if (!File.Exists(yamlPath)) throw new FileNotFoundException($"{yamlPath}: dataset yaml not found", yamlPath);
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(yamlPath);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{yamlPath}:{e.Start.Line}: malformed YAML: {e.Message}", e);
        }
        catch (InvalidOperationException e) // YamlDotNet's representation model on some truncated documents
        {
            throw new InvalidDataException($"{yamlPath}: malformed YAML: {e.Message}", e);
        }
        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode map ? map
            : throw new InvalidDataException($"{yamlPath}: expected a mapping with path/train/val/names keys");
    }

    /// <summary><c>names</c> as a list, or a dict whose keys are the class ids 0..n−1.</summary>
    private static List<string> ReadNames(YamlMappingNode map, Func<YamlNode, string, InvalidDataException> fail)
    {
        var namesNode = Get(map, "names") ?? throw fail(map, "no 'names' key (class names as a list or a dict id: name)");
        List<string> names;
        if (namesNode is YamlSequenceNode list) names = [.. list.Children.Select(c => Scalar(c, "names", fail))];
        else if (namesNode is YamlMappingNode dict)
        {
            var byId = new SortedDictionary<int, string>();
            foreach (var (k, v) in dict.Children)
            {
                var ks = Scalar(k, "names", fail);
                if (!int.TryParse(ks, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || !byId.TryAdd(id, Scalar(v, "names", fail)))
                    throw fail(k, $"names: key '{ks}' is not a unique non-negative class id");
            }
            if (byId.Count > 0 && byId.Keys.Last() != byId.Count - 1)
                throw fail(namesNode, $"names: class ids must be 0..{byId.Count - 1}, got {string.Join(",", byId.Keys)}");
            names = [.. byId.Values];
        }
        else throw fail(namesNode, "names must be a list or a dict id: name");
        return names.Count > 0 ? names : throw fail(namesNode, "names is empty");
    }

    /// <summary>Image files of a split: folders are searched recursively, .txt lists are read line by line
    /// (relative lines against the list's folder), in a stable order.</summary>
    public IReadOnlyList<string> Images(string split)
    {
        if (!Splits.TryGetValue(split, out var entries))
            throw new InvalidDataException($"{YamlPath}: no '{split}' split (has {string.Join(", ", Splits.Keys)})");
        var images = new List<string>();
        foreach (var e in entries)
        {
            if (Directory.Exists(e))
                images.AddRange(Directory.EnumerateFiles(e, "*", SearchOption.AllDirectories).Where(ImageFiles.IsImage).Order(StringComparer.Ordinal));
            else if (File.Exists(e) && e.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
            {
                var dir = Path.GetDirectoryName(e)!;
                images.AddRange(File.ReadLines(e).Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => Path.GetFullPath(Path.Combine(dir, l))));
            }
            else if (File.Exists(e) && ImageFiles.IsImage(e)) images.Add(e);
            else throw new InvalidDataException($"{YamlPath}: '{split}' entry '{e}' is not a folder, an image list (.txt) or an image");
        }
        return images;
    }

    /// <summary>Ultralytics' rule: the label file replaces the last <c>/images/</c> folder of the path by
    /// <c>/labels/</c> and the extension by <c>.txt</c>.</summary>
    public static string LabelPath(string imagePath)
    {
        var sep = Path.DirectorySeparatorChar;
        string images = $"{sep}images{sep}", labels = $"{sep}labels{sep}";
        int i = imagePath.LastIndexOf(images, StringComparison.Ordinal);
        var p = i < 0 ? imagePath : string.Concat(imagePath.AsSpan(0, i), labels, imagePath.AsSpan(i + images.Length));
        return Path.ChangeExtension(p, ".txt");
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string Scalar(YamlNode node, string key, Func<YamlNode, string, InvalidDataException> fail) =>
        node is YamlScalarNode { Value: { } v } ? v : throw fail(node, $"'{key}' must be a plain value here");
}
