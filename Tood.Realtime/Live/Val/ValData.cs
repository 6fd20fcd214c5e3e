using Tood.Realtime.Coco;

namespace Tood.Live.Val;

// TEMPORARY until issue12's Tood.Realtime.Datasets.DetectionData reaches this branch (same members): COCO json only.
internal sealed record ValData(CocoFile Coco, string ImageDir, string Name)
{
    public static ValData Load(string path, string split, string? images)
    {
        _ = split;
        if (images is null) throw new InvalidDataException($"{path}: a COCO annotation file needs its image folder (--images DIR)");
        return new ValData(CocoFile.Load(path), images, Path.GetFileName(path));
    }

    public ValData WithClasses(IReadOnlyList<string> names)
    {
        var keep = Coco.Categories.Where(c => names.Contains(c.Name)).ToList();
        var ids = keep.Select(c => c.Id).ToHashSet();
        return this with { Coco = new CocoFile { Images = Coco.Images, Categories = keep, Annotations = [.. Coco.Annotations.Where(a => ids.Contains(a.CategoryId))] } };
    }
}
