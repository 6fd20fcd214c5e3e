using System.Globalization;
using Tood.Realtime.Coco;

namespace Tood.Realtime.Datasets;

/// <summary>
/// A YOLO split (Ultralytics / Roboflow layout) as an in-memory COCO file, so training, evaluation and
/// <c>tood-live</c> share one path. Each image's label file (<see cref="YoloDataYaml.LabelPath"/>) has one
/// <c>class cx cy w h</c> line per object, normalised to the image size; a line with more than 5 values is a
/// segment polygon <c>class x1 y1 x2 y2 …</c> and becomes its bounding box (as Ultralytics does). A missing
/// or empty label file is an image without objects. Category id = YOLO class id (0-based); image ids are
/// 1..N in file order; <c>file_name</c> is the absolute image path. COCO box = [(cx − w/2)·W, (cy − h/2)·H, w·W, h·H].
/// </summary>
public static class YoloDataset
{
    /// <summary>Coordinates may exceed [0,1] by this much (float noise in exported labels).</summary>
    private const double Tolerance = 1e-6;

    public static CocoFile Load(YoloDataYaml data, string split)
    {
        var coco = new CocoFile
        {
            Info = new CocoInfo { Description = $"{data.YamlPath} ({split})" },
            Categories = [.. data.Names.Select((n, i) => new CocoCategory { Id = i, Name = n })],
        };
        long imageId = 0, annId = 0;
        foreach (var path in data.Images(split))
        {
            var (w, h) = ImageFiles.Size(path);
            var img = new CocoImage { Id = ++imageId, FileName = path, Width = w, Height = h };
            coco.Images.Add(img);
            var labels = YoloDataYaml.LabelPath(path);
            if (!File.Exists(labels)) continue;
            int lineNo = 0;
            foreach (var line in File.ReadLines(labels))
            {
                lineNo++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                var (cls, box) = ParseLine(line, labels, lineNo, data.Names.Count);
                var bbox = new[] { box.X1 * w, box.Y1 * h, (box.X2 - box.X1) * w, (box.Y2 - box.Y1) * h };
                coco.Annotations.Add(new CocoAnnotation { Id = ++annId, ImageId = img.Id, CategoryId = cls, Bbox = bbox, Area = bbox[2] * bbox[3] });
            }
        }
        if (coco.Images.Count == 0) throw new InvalidDataException($"{data.YamlPath}: split '{split}' has no images");
        return coco;
    }

    /// <summary>One label line → class id and normalised corners; one line naming file and line on error.</summary>
    public static (int Class, (double X1, double Y1, double X2, double Y2) Box) ParseLine(string line, string file, int lineNo, int numClasses)
    {
        InvalidDataException Fail(string m) => new($"{file}:{lineNo}: {m}: '{line.Trim()}'");
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 5 || (parts.Length > 5 && parts.Length % 2 == 0))
            throw Fail($"expected 'class cx cy w h' (or a polygon 'class x1 y1 x2 y2 …'), got {parts.Length} values");
        // Some exporters write "0.0": an integral number is accepted.
        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double c) || c != Math.Floor(c) || Math.Abs(c) > int.MaxValue)
            throw Fail($"class id '{parts[0]}' is not an integer");
        int cls = (int)c;
        if (cls < 0 || cls >= numClasses) throw Fail($"class id {cls} is outside 0..{numClasses - 1} (names has {numClasses} classes)");
        var v = new double[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i - 1]) || !double.IsFinite(v[i - 1]))
                throw Fail($"value {i + 1} '{parts[i]}' is not a number");
        if (v.Any(x => x < -Tolerance || x > 1 + Tolerance)) throw Fail("coordinates must be normalised to 0..1");
        if (v.Length == 4)
        {
            double cx = v[0], cy = v[1], bw = v[2], bh = v[3];
            return (cls, (cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2));
        }
        var xs = v.Where((_, i) => i % 2 == 0).ToArray();
        var ys = v.Where((_, i) => i % 2 == 1).ToArray();
        return (cls, (xs.Min(), ys.Min(), xs.Max(), ys.Max()));
    }
}
