using System.Globalization;
using Tood.Realtime.Coco;
using Tood.Realtime.Datasets;

namespace Tood.Train.Data;

/// <summary>
/// A COCO detection dataset prepared for training (spec §5 "gt filtering"): crowd annotations are excluded
/// from targets (kept in <see cref="DatasetImage.CrowdBoxes"/> and in <see cref="Coco"/> for evaluation),
/// boxes under 1 px wide or high as annotated, or with no area inside the image, are dropped (mmdet's rule, at
/// the original scale) and counted in <see cref="DroppedBoxes"/>; the others are clipped to the image. Images without annotations are kept (the loader may skip them).
/// Bad input throws <see cref="InvalidDataException"/> with one line naming the file and id.
/// </summary>
public sealed class CocoDetectionDataset
{
    public string AnnotationPath { get; }
    public string ImageDir { get; }
    public CocoFile Coco { get; }
    public CategoryMap Categories { get; }
    public IReadOnlyList<DatasetImage> Images { get; }
    public int DroppedBoxes { get; }
    public int CrowdCount { get; }
    public int BoxCount { get; }

    private CocoDetectionDataset(string annPath, string imageDir, CocoFile coco, CategoryMap map, List<DatasetImage> images, int dropped, int crowd)
    {
        AnnotationPath = annPath;
        ImageDir = imageDir;
        Coco = coco;
        Categories = map;
        Images = images;
        DroppedBoxes = dropped;
        CrowdCount = crowd;
        BoxCount = images.Sum(i => i.Count);
    }

    /// <param name="categories">Use this class map instead of the file's (e.g. the training map for a
    /// validation set or a checkpoint's map); annotation categories outside it are an error.</param>
    /// <param name="warn">Receives the warning line about dropped boxes (default: stderr).</param>
    public static CocoDetectionDataset Load(string annotationPath, string imageDir, CategoryMap? categories = null, Action<string>? warn = null) =>
        FromCoco(CocoFile.Load(annotationPath), annotationPath, imageDir, categories, warn);

    /// <summary>
    /// Any supported dataset (<see cref="DetectionData.Load"/>: COCO json + image folder, YOLO data.yaml, VOC
    /// folder) and split, optionally only the named <paramref name="classes"/>.
    /// </summary>
    public static CocoDetectionDataset Open(string data, string? images, string split, IReadOnlyList<string>? classes = null,
        CategoryMap? categories = null, Action<string>? warn = null) => Open([data], images, split, classes, categories, warn);

    /// <summary>
    /// Several datasets trained on as one (<see cref="DetectionDataMerge"/>: classes matched by name). <paramref name="images"/>
    /// belongs to the first (a COCO json); with <paramref name="classes"/>, each source keeps those it has, and a
    /// name that no source has is an error. <see cref="SourceSummaries"/> has a line per source.
    /// </summary>
    public static CocoDetectionDataset Open(IReadOnlyList<string> data, string? images, string split, IReadOnlyList<string>? classes = null,
        CategoryMap? categories = null, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var sources = data.Select((path, i) => DetectionData.Load(path, split, i == 0 ? images : null)).ToList();
        if (classes is { Count: > 0 })
        {
            var missing = classes.Where(c => !sources.Any(s => s.Coco.Categories.Any(k => k.Name == c))).ToList();
            sources = sources.Count == 1 || missing.Count > 0
                ? [.. sources.Select(s => s.WithClasses(classes))]   // the one-source error names the missing class
                : [.. sources.Select(s => s.WithClasses([.. classes.Where(c => s.Coco.Categories.Any(k => k.Name == c))]))];
        }
        var merged = DetectionDataMerge.Merge(sources);
        var dataset = FromCoco(merged.Coco, merged.Source, merged.ImageDir, categories, warn);
        if (sources.Count > 1) dataset.SourceSummaries = [.. sources.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.Source}: {s.Coco.Images.Count} images, {s.Coco.Annotations.Count(a => a.IsCrowd == 0)} boxes"))];
        return dataset;
    }

    /// <summary>One line per source of a merged dataset (empty for one source).</summary>
    public IReadOnlyList<string> SourceSummaries { get; private set; } = [];

    /// <param name="annotationPath">Names the data in messages and <see cref="Summary"/>.</param>
    public static CocoDetectionDataset FromCoco(CocoFile coco, string annotationPath, string imageDir, CategoryMap? categories = null, Action<string>? warn = null)
    {
        if (coco.Images.Count == 0) throw new InvalidDataException($"{annotationPath}: empty dataset (no images)");
        if (!Directory.Exists(imageDir)) throw new DirectoryNotFoundException($"{imageDir}: image directory not found");
        var map = categories ?? CategoryMap.FromCoco(coco, annotationPath);

        var byImage = new Dictionary<long, (CocoImage Img, List<float> Boxes, List<int> Labels, List<float> Crowd)>(coco.Images.Count);
        foreach (var img in coco.Images)
        {
            if (!byImage.TryAdd(img.Id, (img, [], [], [])))
                throw new InvalidDataException($"{annotationPath}: duplicate image id {img.Id}");
            var path = Path.Combine(imageDir, img.FileName);
            if (string.IsNullOrEmpty(img.FileName) || !File.Exists(path))
                throw new FileNotFoundException($"{path}: image file not found (image id {img.Id} in {annotationPath})", path);
        }

        int dropped = 0, crowd = 0;
        foreach (var a in coco.Annotations)
        {
            if (!byImage.TryGetValue(a.ImageId, out var entry))
                throw new InvalidDataException($"{annotationPath}: annotation {a.Id} refers to unknown image id {a.ImageId}");
            if (!map.TryGetIndex(a.CategoryId, out int label))
                throw new InvalidDataException($"{annotationPath}: annotation {a.Id} (image {a.ImageId}) has unknown category id {a.CategoryId}");
            if (a.Bbox.Length != 4 || a.Bbox.Any(v => !double.IsFinite(v)))
                throw new InvalidDataException($"{annotationPath}: annotation {a.Id} (image {a.ImageId}) bbox must be 4 finite numbers [x,y,w,h]");

            float x1 = (float)a.Bbox[0], y1 = (float)a.Bbox[1];
            float x2 = x1 + (float)a.Bbox[2], y2 = y1 + (float)a.Bbox[3];
            var img = entry.Img;
            if (img.Width > 0) { x1 = Math.Clamp(x1, 0, img.Width); x2 = Math.Clamp(x2, 0, img.Width); }
            if (img.Height > 0) { y1 = Math.Clamp(y1, 0, img.Height); y2 = Math.Clamp(y2, 0, img.Height); }
            if (a.IsCrowd != 0)
            {
                crowd++;
                entry.Crowd.AddRange([x1, y1, x2, y2]);
                continue;
            }
            // mmdet CocoDataset._parse_ann_info (spec §5), at the original scale: drop w < 1 or h < 1 of the annotated
            // box, and boxes with no area inside the image; the rest is kept however thin clipping leaves it. (mmdet
            // also drops a non-positive segmentation 'area'; not here: converted datasets often leave it 0.)
            if (a.Bbox[2] < 1 || a.Bbox[3] < 1 || !(x2 > x1) || !(y2 > y1)) { dropped++; continue; }
            entry.Boxes.AddRange([x1, y1, x2, y2]);
            entry.Labels.Add(label);
        }

        var images = coco.Images.Select(i =>
        {
            var e = byImage[i.Id];
            return new DatasetImage(i.Id, Path.Combine(imageDir, i.FileName), i.Width, i.Height, [.. e.Boxes], [.. e.Labels], [.. e.Crowd]);
        }).ToList();
        if (dropped > 0)
            (warn ?? Console.Error.WriteLine)(string.Create(CultureInfo.InvariantCulture,
                $"warning: {annotationPath}: dropped {dropped} box(es) under 1 px wide or high, or outside their image"));
        return new CocoDetectionDataset(annotationPath, imageDir, coco, map, images, dropped, crowd);
    }

    /// <summary>Short text for checkpoints/logs.</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Path.GetFileName(AnnotationPath)}: {Images.Count} images, {BoxCount} boxes, {Categories.Count} classes, {CrowdCount} crowd, {DroppedBoxes} dropped");
}
