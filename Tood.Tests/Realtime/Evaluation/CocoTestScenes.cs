using Tood.Realtime.Coco;

namespace Tood.Tests.Realtime.Evaluation;

/// <summary>Small builders for hand-made COCO scenes (boxes are [x, y, w, h]).</summary>
internal sealed class Scene
{
    public CocoFile Gt { get; } = new();
    public List<CocoAnnotation> Dets { get; } = [];
    private long _nextAnnId = 1;

    public Scene(int numImages, params int[] categoryIds)
    {
        for (int i = 1; i <= numImages; i++) Gt.Images.Add(new CocoImage { Id = i, FileName = $"{i}.jpg", Width = 1000, Height = 1000 });
        foreach (var c in categoryIds) Gt.Categories.Add(new CocoCategory { Id = c, Name = $"c{c}" });
    }

    /// <summary>Adds a gt whose area field is w·h (as for a box-only dataset) unless given.</summary>
    public Scene AddGt(long image, int cat, double x, double y, double w, double h, bool crowd = false, double? area = null)
    {
        Gt.Annotations.Add(new CocoAnnotation
        {
            Id = _nextAnnId++, ImageId = image, CategoryId = cat, Bbox = [x, y, w, h],
            Area = area ?? w * h, IsCrowd = crowd ? 1 : 0,
        });
        return this;
    }

    public Scene AddDet(long image, int cat, double x, double y, double w, double h, double score)
    {
        Dets.Add(new CocoAnnotation { ImageId = image, CategoryId = cat, Bbox = [x, y, w, h], Score = score });
        return this;
    }
}
