using Tood.Realtime.Coco;

namespace Tood.Realtime.Datasets;

/// <summary>
/// Several datasets as one (training on e.g. a YOLO set and a COCO set together). Classes are matched by name, as
/// <c>val</c> matches a model's classes to a dataset's: the first source's categories keep their ids, a name first
/// seen in a later source keeps its id if free, else gets the next one. Image ids are renumbered 1..N in source order (the sources' own
/// ids collide), file names become absolute so one image folder is not needed.
/// </summary>
public static class DetectionDataMerge
{
    /// <summary>One source unchanged; otherwise the union of <paramref name="sources"/>.</summary>
    public static DetectionData Merge(IReadOnlyList<DetectionData> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0) throw new ArgumentException("no dataset to merge", nameof(sources));
        if (sources.Count == 1) return sources[0];

        var categories = new List<CocoCategory>();
        var idByName = new Dictionary<string, int>(StringComparer.Ordinal);
        var images = new List<CocoImage>();
        var annotations = new List<CocoAnnotation>();
        foreach (var source in sources)
        {
            var categoryMap = new Dictionary<int, int>();
            foreach (var c in source.Coco.Categories)
            {
                if (!idByName.TryGetValue(c.Name, out int id))
                {
                    id = categories.Any(k => k.Id == c.Id) ? categories.Max(k => k.Id) + 1 : c.Id;
                    idByName[c.Name] = id;
                    categories.Add(new CocoCategory { Id = id, Name = c.Name, Supercategory = c.Supercategory });
                }
                categoryMap[c.Id] = id;
            }
            var imageMap = new Dictionary<long, long>(source.Coco.Images.Count);
            foreach (var img in source.Coco.Images)
            {
                long id = images.Count + 1;
                imageMap[img.Id] = id;
                images.Add(new CocoImage { Id = id, FileName = Path.GetFullPath(Path.Combine(source.ImageDir, img.FileName)), Width = img.Width, Height = img.Height });
            }
            foreach (var a in source.Coco.Annotations)
            {
                if (!imageMap.TryGetValue(a.ImageId, out long imageId))
                    throw new InvalidDataException($"{source.Source}: annotation {a.Id} refers to unknown image id {a.ImageId}");
                if (!categoryMap.TryGetValue(a.CategoryId, out int categoryId))
                    throw new InvalidDataException($"{source.Source}: annotation {a.Id} (image {a.ImageId}) has unknown category id {a.CategoryId}");
                annotations.Add(new CocoAnnotation
                {
                    Id = annotations.Count + 1, ImageId = imageId, CategoryId = categoryId,
                    Bbox = a.Bbox, Area = a.Area, IsCrowd = a.IsCrowd,
                });
            }
        }
        var coco = new CocoFile { Images = images, Annotations = annotations, Categories = categories };
        var root = Path.GetPathRoot(Path.GetFullPath(sources[0].ImageDir)) ?? "/";
        return new DetectionData(coco, root, sources[0].Format, string.Join(" + ", sources.Select(s => s.Source)));
    }
}
