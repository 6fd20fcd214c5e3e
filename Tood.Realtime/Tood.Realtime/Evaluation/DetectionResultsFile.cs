using System.Text.Json;
using Tood.Realtime.Coco;

namespace Tood.Realtime.Evaluation;

/// <summary>
/// COCO detection results JSON (what pycocotools' <c>loadRes</c> reads): an array of
/// {image_id, category_id, bbox [x, y, w, h], score}.
/// </summary>
public static class DetectionResultsFile
{
    /// <summary>
    /// Reads a results file and checks every entry against <paramref name="groundTruth"/>; any problem
    /// throws <see cref="InvalidDataException"/> with one line naming the file, the entry and the id.
    /// </summary>
    public static List<CocoAnnotation> Load(string path, CocoFile groundTruth)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        if (!File.Exists(path)) throw new FileNotFoundException($"detection results file not found: {path}", path);
        List<CocoAnnotation>? dets;
        try
        {
            using var stream = File.OpenRead(path);
            dets = JsonSerializer.Deserialize<List<CocoAnnotation>>(stream, CocoFile.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed detection results JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
        if (dets is null) throw new InvalidDataException($"{path}: expected a JSON array of detections, got null");
        Validate(path, dets, groundTruth);
        return dets;
    }

    /// <summary>Writes detections as a results array (atomic: temp file + rename). Only result fields are written.</summary>
    public static void Save(string path, IReadOnlyList<CocoAnnotation> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        var tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartArray();
            foreach (var d in detections)
            {
                w.WriteStartObject();
                w.WriteNumber("image_id", d.ImageId);
                w.WriteNumber("category_id", d.CategoryId);
                w.WriteStartArray("bbox");
                foreach (var v in d.Bbox) w.WriteNumberValue(v);
                w.WriteEndArray();
                w.WriteNumber("score", d.Score ?? throw new ArgumentException($"detection on image {d.ImageId} has no score", nameof(detections)));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        File.Move(tmp, path, overwrite: true);
    }

    private static void Validate(string path, List<CocoAnnotation> dets, CocoFile gt)
    {
        var images = new HashSet<long>(gt.Images.Count);
        foreach (var im in gt.Images) images.Add(im.Id);
        var cats = new HashSet<int>(gt.Categories.Count);
        foreach (var c in gt.Categories) cats.Add(c.Id);
        for (int i = 0; i < dets.Count; i++)
        {
            var d = dets[i] ?? throw new InvalidDataException($"{path}: detection #{i} is null");
            if (!images.Contains(d.ImageId))
                throw new InvalidDataException($"{path}: detection #{i}: unknown image_id {d.ImageId} (not in the ground-truth images)");
            if (!cats.Contains(d.CategoryId))
                throw new InvalidDataException($"{path}: detection #{i}: unknown category_id {d.CategoryId} (not in the ground-truth categories)");
            if (d.Bbox is not { Length: 4 })
                throw new InvalidDataException($"{path}: detection #{i}: bbox must be [x, y, w, h], got {d.Bbox?.Length ?? 0} values");
            foreach (var v in d.Bbox)
                if (!double.IsFinite(v)) throw new InvalidDataException($"{path}: detection #{i}: non-finite bbox value");
            if (d.Score is not double s || !double.IsFinite(s))
                throw new InvalidDataException($"{path}: detection #{i}: missing or non-finite score");
        }
    }
}
