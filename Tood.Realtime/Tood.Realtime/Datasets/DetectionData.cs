using Tood.Realtime.Coco;

namespace Tood.Realtime.Datasets;

public enum DatasetFormat { Coco, Yolo, Voc }

/// <summary>A dataset split in the in-memory COCO model. Image paths are <c>ImageDir/file_name</c>
/// (YOLO and VOC store absolute file names, so ImageDir is only their root).</summary>
/// <param name="Source">For messages and metadata: "data.yaml (train)", "instances.json".</param>
public sealed record DetectionData(CocoFile Coco, string ImageDir, DatasetFormat Format, string Source)
{
    /// <summary>
    /// Reads <paramref name="path"/>, telling the format from it: a <c>.json</c> file is COCO (needs
    /// <paramref name="images"/>), a <c>.yaml</c>/<c>.yml</c> file is YOLO, a folder is VOC (Annotations/ or .xml
    /// files) or YOLO (a data.yaml inside). <paramref name="split"/> picks train/val/test for YOLO and VOC.
    /// </summary>
    /// <exception cref="InvalidDataException">malformed data or an unknown format (one line naming the file).</exception>
    /// <exception cref="FileNotFoundException">a missing file or folder.</exception>
    public static DetectionData Load(string path, string split = "train", string? images = null)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".json")
        {
            if (images is null) throw new InvalidDataException($"{path}: a COCO annotation file needs its image folder (--images DIR)");
            return new DetectionData(CocoFile.Load(path), images, DatasetFormat.Coco, Path.GetFileName(path));
        }
        if (ext is ".yaml" or ".yml")
            return Yolo(path, split);
        if (Directory.Exists(path))
        {
            var yaml = new[] { "data.yaml", "data.yml" }.Select(n => Path.Combine(path, n)).FirstOrDefault(File.Exists);
            if (yaml is not null) return Yolo(yaml, split);
            if (VocDataset.IsVocFolder(path))
                return new DetectionData(VocDataset.Load(path, split), path, DatasetFormat.Voc, $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(path))} ({split})");
            throw new InvalidDataException($"{path}: cannot tell the dataset format (expected a COCO .json, a YOLO data.yaml, or a VOC folder with Annotations/ or .xml files)");
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: dataset not found", path);
        throw new InvalidDataException($"{path}: cannot tell the dataset format from the name (expected .json, .yaml/.yml or a folder)");
    }

    private static DetectionData Yolo(string yaml, string split)
    {
        var data = YoloDataYaml.Read(yaml);
        return new DetectionData(YoloDataset.Load(data, split), data.Root, DatasetFormat.Yolo, $"{Path.GetFileName(yaml)} ({split})");
    }

    /// <summary>The same images with only the annotations of the named classes (category ids kept); every
    /// image stays (images without those classes are negatives for evaluation).</summary>
    /// <exception cref="InvalidDataException">a name that is not a class of the data.</exception>
    public DetectionData WithClasses(IReadOnlyList<string> names)
    {
        var byName = Coco.Categories.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var keep = new List<CocoCategory>();
        foreach (var n in names)
            keep.Add(byName.TryGetValue(n, out var c) ? c
                : throw new InvalidDataException($"{Source}: '{n}' is not a class of this dataset (classes: {string.Join(", ", Coco.Categories.Take(12).Select(c => c.Name))}{(Coco.Categories.Count > 12 ? ", …" : "")})"));
        var ids = keep.Select(c => c.Id).ToHashSet();
        var coco = new CocoFile
        {
            Info = Coco.Info,
            Images = Coco.Images,
            Categories = keep,
            Annotations = [.. Coco.Annotations.Where(a => ids.Contains(a.CategoryId))],
        };
        return this with { Coco = coco, Source = $"{Source} [{string.Join(",", names)}]" };
    }
}
