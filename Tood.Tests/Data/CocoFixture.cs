using OpenCvSharp;
using Tood.Realtime.Coco;

namespace Tood.Tests.Data;

/// <summary>Writes small hand-made COCO datasets (solid images + annotation JSON) for tests.</summary>
public static class CocoFixture
{
    public static CocoImage Image(TempDir d, long id, int w, int h, byte value = 90)
    {
        Directory.CreateDirectory(d["img"]);
        var name = $"im{id}.png";
        using var m = new Mat(h, w, MatType.CV_8UC3, Scalar.All(value));
        Cv2.ImWrite(Path.Combine(d["img"], name), m);
        return new CocoImage { Id = id, FileName = name, Width = w, Height = h };
    }

    public static CocoAnnotation Ann(long id, long imageId, int cat, double x, double y, double w, double h, int crowd = 0) =>
        new() { Id = id, ImageId = imageId, CategoryId = cat, Bbox = [x, y, w, h], Area = w * h, IsCrowd = crowd };

    public static string Save(TempDir d, CocoFile coco, string name = "ann.json")
    {
        coco.Save(d[name]);
        return d[name];
    }

    public static List<CocoCategory> Cats(params int[] ids) => [.. ids.Select(i => new CocoCategory { Id = i, Name = $"c{i}" })];
}
