using Tood.Realtime.Coco;
using Tood.Realtime.Validation;

namespace Tood.Realtime.Sinks;

/// <summary>
/// The ids <see cref="CocoResultsSink"/> writes. By default (<see cref="FileOrder"/>) image_id = frame index + 1 (image
/// input: the 1-based position in the sorted list, as tood-live val numbers a YOLO split of that folder) and
/// category_id = the model's class index. <see cref="FromAnnotations"/> takes them from a COCO annotation file instead:
/// an image by its name relative to the input, else by its file name alone; a class by name (any case, as tood-live
/// val matches them: <see cref="ClassMapping"/>). Images or classes the file lacks get no id, and their detections are
/// left out of the results.
/// </summary>
public sealed class CocoResultIds
{
    private readonly Dictionary<string, long>? _images;
    private readonly Dictionary<int, int>? _categories;

    private CocoResultIds(Dictionary<string, long>? images, Dictionary<int, int>? categories, string description)
    {
        _images = images; _categories = categories; Description = description;
    }

    public static CocoResultIds FileOrder { get; } = new(null, null, "image_id = position + 1, category_id = model class index");

    /// <summary>For the log: where the ids come from.</summary>
    public string Description { get; }

    /// <exception cref="InvalidDataException">a malformed file, or no class in common with the model (one line).</exception>
    /// <exception cref="FileNotFoundException">the file is missing.</exception>
    public static CocoResultIds FromAnnotations(string path, IReadOnlyList<string> modelClasses)
    {
        var coco = CocoFile.Load(path);
        var classes = ClassMapping.Match(modelClasses, coco.Categories);
        if (classes.Shared.Count == 0)
            throw new InvalidDataException($"--coco-ids {path}: no class in common with the model ({string.Join(", ", modelClasses.Take(8))}{(modelClasses.Count > 8 ? ", …" : "")})");
        var images = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var im in coco.Images)
        {
            var name = im.FileName.Replace('\\', '/');
            images.TryAdd(name, im.Id);
            images.TryAdd(Path.GetFileName(name), im.Id);
        }
        return new CocoResultIds(images, classes.Shared.ToDictionary(s => s.ModelClass, s => s.CategoryId),
            $"ids from {Path.GetFileName(path)}: {coco.Images.Count} images by file name; {classes.Describe()}");
    }

    /// <summary>The frame's image id; false when the annotation file has no such image.</summary>
    public bool TryImageId(in ProcessedFrame frame, out long id)
    {
        id = frame.Index + 1;
        if (_images is null) return true;
        var name = frame.Name ?? "";
        return _images.TryGetValue(name, out id) || _images.TryGetValue(Path.GetFileName(name), out id);
    }

    /// <summary>The category of a model class; false when the annotation file has no such class.</summary>
    public bool TryCategory(int modelClass, out int category)
    {
        category = modelClass;
        return _categories is null || _categories.TryGetValue(modelClass, out category);
    }
}
