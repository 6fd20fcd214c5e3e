using System.Globalization;
using OpenCvSharp;
using Tood.Realtime.Coco;
using Tood.Train.Data;

namespace Tood.Tests.Data;

/// <summary>
/// Real COCO photos for tests: the first images of ../shared coco128 val2017 with their YOLO labels written as
/// a COCO annotation file (category id = YOLO class + 1; box from the normalised centre/size and the decoded
/// image size). The images are read in place.
/// </summary>
internal static class Coco128Fixture
{
    public static string ImageDir => Path.Combine(SharedData.Coco128, "images", "val2017");

    public static string WriteAnnotations(TempDir dir, int count) => WriteAnnotations(dir, SharedData.Coco128Images("val2017", count));

    /// <param name="images">Paths of coco128 val2017 images.</param>
    public static string WriteAnnotations(TempDir dir, IEnumerable<string> images)
    {
        var coco = new CocoFile { Categories = [.. Enumerable.Range(1, 80).Select(i => new CocoCategory { Id = i, Name = $"c{i}" })] };
        long annId = 1;
        foreach (var (path, i) in images.Select((p, i) => (p, i)))
        {
            using var m = Cv2.ImRead(path);
            var image = new CocoImage { Id = i + 1, FileName = Path.GetFileName(path), Width = m.Cols, Height = m.Rows };
            coco.Images.Add(image);
            var labels = Path.Combine(SharedData.Coco128, "labels", "val2017", Path.ChangeExtension(image.FileName, ".txt"));
            if (!File.Exists(labels)) continue;
            foreach (var line in File.ReadLines(labels).Where(l => l.Trim().Length > 0))
            {
                var v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
                double w = v[3] * m.Cols, h = v[4] * m.Rows;
                coco.Annotations.Add(new CocoAnnotation
                {
                    Id = annId++, ImageId = image.Id, CategoryId = (int)v[0] + 1,
                    Bbox = [v[1] * m.Cols - w / 2, v[2] * m.Rows - h / 2, w, h], Area = w * h,
                });
            }
        }
        var path2 = dir["coco128_val.json"];
        coco.Save(path2);
        return path2;
    }

    public static CocoDetectionDataset Load(TempDir dir, int count) =>
        CocoDetectionDataset.Load(WriteAnnotations(dir, count), ImageDir, warn: _ => { });

    public static CocoDetectionDataset Load(TempDir dir, params string[] fileNames) =>
        CocoDetectionDataset.Load(WriteAnnotations(dir, fileNames.Select(f => Path.Combine(ImageDir, f))), ImageDir, warn: _ => { });
}
