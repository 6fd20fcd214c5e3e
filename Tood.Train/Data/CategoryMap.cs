using Tood.Realtime.Coco;

namespace Tood.Train.Data;

/// <summary>Contiguous class index (0..K-1) ↔ COCO category id. Categories are ordered by id (as mmdet's
/// CocoDataset does); the id list is stored in checkpoints and ONNX metadata so results map back.</summary>
public sealed class CategoryMap
{
    private readonly Dictionary<int, int> _indexOfId;

    public IReadOnlyList<int> CategoryIds { get; }
    public IReadOnlyList<string> Names { get; }
    public int Count => CategoryIds.Count;

    public CategoryMap(IReadOnlyList<int> categoryIds, IReadOnlyList<string> names)
    {
        if (categoryIds.Count != names.Count) throw new ArgumentException("category ids and names differ in length");
        CategoryIds = categoryIds;
        Names = names;
        _indexOfId = new Dictionary<int, int>(categoryIds.Count);
        for (int i = 0; i < categoryIds.Count; i++)
            if (!_indexOfId.TryAdd(categoryIds[i], i)) throw new InvalidDataException($"duplicate category id {categoryIds[i]}");
    }

    public static CategoryMap FromCoco(CocoFile coco, string source)
    {
        var cats = coco.Categories.OrderBy(c => c.Id).ToList();
        if (cats.Count == 0) throw new InvalidDataException($"{source}: no categories");
        var dup = cats.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new InvalidDataException($"{source}: duplicate category id {dup.Key}");
        return new CategoryMap([.. cats.Select(c => c.Id)], [.. cats.Select(c => c.Name)]);
    }

    public bool TryGetIndex(int categoryId, out int index) => _indexOfId.TryGetValue(categoryId, out index);

    public int CategoryId(int classIndex) => CategoryIds[classIndex];
}
