using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Tood.Realtime.Coco;

namespace Tood.Realtime.Datasets;

/// <summary>
/// Pascal VOC XML annotations as an in-memory COCO file. Layouts: a VOC year folder (<c>Annotations/*.xml</c>,
/// <c>JPEGImages/</c>, <c>ImageSets/Main/&lt;split&gt;.txt</c>; without that list every XML is used), or a flat
/// folder of images with their .xml beside them (labelImg, Roboflow "Pascal VOC" export).
/// <para>Coordinates: VOC boxes are 1-based inclusive pixel indices, so a box covering pixels xmin..xmax is the
/// continuous box [xmin − 1, xmax] (width xmax − xmin + 1, the VOC devkit's area; detectron2 reads it this way).
/// mmdet 2.x subtracts 1 from all four values instead (width xmax − xmin). <c>difficult</c> objects become COCO
/// <c>iscrowd</c> = 1: not trained on (mmdet's bboxes_ignore) and ignored in evaluation, as the VOC devkit
/// ignores them — with COCO's crowd IoU (intersection over the detection's area) for that matching.</para>
/// <para>Classes: the 20 VOC classes in their standard order when every name is one of them, otherwise every
/// name found in the folder's XML files (all splits, so train and val agree), sorted. Category id = class index.</para>
/// </summary>
public static class VocDataset
{
    public static readonly string[] VocClasses =
    [
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable",
        "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    /// <summary>True if <paramref name="dir"/> looks like VOC: an Annotations/ folder or .xml files.</summary>
    public static bool IsVocFolder(string dir) =>
        Directory.Exists(Path.Combine(dir, "Annotations")) || Directory.EnumerateFiles(dir, "*.xml").Any();

    public static CocoFile Load(string dir, string split)
    {
        bool standard = Directory.Exists(Path.Combine(dir, "Annotations"));
        string annDir = standard ? Path.Combine(dir, "Annotations") : dir;
        string imgDir = standard ? Path.Combine(dir, "JPEGImages") : dir;
        var all = Directory.GetFiles(annDir, "*.xml").Order(StringComparer.Ordinal).ToList();
        var listFile = Path.Combine(dir, "ImageSets", "Main", split + ".txt");
        List<string> xmls = File.Exists(listFile)
            ? [.. File.ReadLines(listFile).Select(l => l.Trim()).Where(l => l.Length > 0).Select(id => Path.Combine(annDir, id.Split(' ')[0] + ".xml"))]
            : all;
        if (xmls.Count == 0) throw new InvalidDataException($"{dir}: no VOC annotation files (.xml) for split '{split}'");

        var parsed = all.ToDictionary(p => p, Parse, StringComparer.Ordinal);
        foreach (var x in xmls.Where(x => !parsed.ContainsKey(x))) parsed[x] = Parse(x);
        var found = parsed.Values.SelectMany(a => a.Objects.Select(o => o.Name)).Distinct(StringComparer.Ordinal).ToList();
        var names = found.All(n => VocClasses.Contains(n, StringComparer.Ordinal)) ? VocClasses : [.. found.Order(StringComparer.Ordinal)];
        var idOf = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);

        var coco = new CocoFile
        {
            Info = new CocoInfo { Description = $"{dir} ({split})" },
            Categories = [.. names.Select((n, i) => new CocoCategory { Id = i, Name = n })],
        };
        long annId = 0;
        foreach (var xml in xmls)
        {
            var a = parsed[xml];
            var image = Path.Combine(imgDir, a.FileName ?? Path.GetFileNameWithoutExtension(xml) + ".jpg");
            if (!File.Exists(image)) throw new FileNotFoundException($"{xml}: image '{image}' not found", image);
            var (w, h) = a.Width > 0 && a.Height > 0 ? (a.Width, a.Height) : ImageFiles.Size(image);
            var img = new CocoImage { Id = coco.Images.Count + 1, FileName = Path.GetFullPath(image), Width = w, Height = h };
            coco.Images.Add(img);
            foreach (var o in a.Objects)
            {
                double[] bbox = [o.XMin - 1, o.YMin - 1, o.XMax - o.XMin + 1, o.YMax - o.YMin + 1];
                coco.Annotations.Add(new CocoAnnotation
                {
                    Id = ++annId, ImageId = img.Id, CategoryId = idOf[o.Name], Bbox = bbox, Area = bbox[2] * bbox[3], IsCrowd = o.Difficult ? 1 : 0,
                });
            }
        }
        return coco;
    }

    private sealed record VocObject(string Name, bool Difficult, double XMin, double YMin, double XMax, double YMax);

    private sealed record VocAnnotation(string? FileName, int Width, int Height, List<VocObject> Objects);

    private static VocAnnotation Parse(string xml)
    {
        if (!File.Exists(xml)) throw new FileNotFoundException($"{xml}: VOC annotation listed in the split file not found", xml);
        XDocument doc;
        try { doc = XDocument.Load(xml, LoadOptions.SetLineInfo); }
        catch (XmlException e) { throw new InvalidDataException($"{xml}:{e.LineNumber}: malformed XML: {e.Message}", e); }
        static int Line(XElement e) => ((IXmlLineInfo)e).LineNumber;
        InvalidDataException Fail(XElement e, string m) => new($"{xml}:{Line(e)}: {m}");
        var root = doc.Root is { Name.LocalName: "annotation" } r ? r : throw new InvalidDataException($"{xml}: root element is not <annotation>");
        double Number(XElement parent, string name)
        {
            var el = parent.Element(name) ?? throw Fail(parent, $"<{parent.Name.LocalName}> has no <{name}>");
            return double.TryParse(el.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v : throw Fail(el, $"<{name}> '{el.Value.Trim()}' is not a number");
        }
        var size = root.Element("size");
        int width = size is null ? 0 : (int)Number(size, "width"), height = size is null ? 0 : (int)Number(size, "height");
        var objects = new List<VocObject>();
        foreach (var o in root.Elements("object"))
        {
            var name = o.Element("name")?.Value.Trim();
            if (string.IsNullOrEmpty(name)) throw Fail(o, "<object> has no <name>");
            var box = o.Element("bndbox") ?? throw Fail(o, $"<object> '{name}' has no <bndbox>");
            double x1 = Number(box, "xmin"), y1 = Number(box, "ymin"), x2 = Number(box, "xmax"), y2 = Number(box, "ymax");
            if (x2 < x1 || y2 < y1) throw Fail(box, $"<bndbox> of '{name}' has xmax < xmin or ymax < ymin ({x1},{y1},{x2},{y2})");
            bool difficult = o.Element("difficult")?.Value.Trim() is "1" or "true";
            objects.Add(new VocObject(name, difficult, x1, y1, x2, y2));
        }
        var file = root.Element("filename")?.Value.Trim();
        return new VocAnnotation(string.IsNullOrEmpty(file) ? null : file, width, height, objects);
    }
}
