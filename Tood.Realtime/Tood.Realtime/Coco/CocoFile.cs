using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tood.Realtime.Coco;

/// <summary>COCO detection annotation file (instances_*.json), the subset Tood reads and writes.</summary>
public sealed class CocoFile
{
    [JsonPropertyName("info")] public CocoInfo? Info { get; set; }
    [JsonPropertyName("images")] public List<CocoImage> Images { get; set; } = [];
    [JsonPropertyName("annotations")] public List<CocoAnnotation> Annotations { get; set; } = [];
    [JsonPropertyName("categories")] public List<CocoCategory> Categories { get; set; } = [];

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>Reads a COCO file; throws <see cref="InvalidDataException"/> naming the file on malformed JSON.</summary>
    public static CocoFile Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"annotation file not found: {path}", path);
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<CocoFile>(stream, JsonOptions)
                   ?? throw new InvalidDataException($"{path}: empty COCO annotation file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed COCO JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
    }

    public void Save(string path)
    {
        var tmp = path + ".tmp";
        using (var stream = File.Create(tmp)) JsonSerializer.Serialize(stream, this, JsonOptions);
        File.Move(tmp, path, overwrite: true);
    }
}

public sealed class CocoInfo
{
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("version")] public string? Version { get; set; }
}

public sealed class CocoImage
{
    [JsonPropertyName("id")] public long Id { get; set; }
    [JsonPropertyName("file_name")] public string FileName { get; set; } = "";
    [JsonPropertyName("width")] public int Width { get; set; }
    [JsonPropertyName("height")] public int Height { get; set; }
}

public sealed class CocoAnnotation
{
    [JsonPropertyName("id")] public long Id { get; set; }
    [JsonPropertyName("image_id")] public long ImageId { get; set; }
    [JsonPropertyName("category_id")] public int CategoryId { get; set; }
    /// <summary>[x, y, width, height] in pixels.</summary>
    [JsonPropertyName("bbox")] public double[] Bbox { get; set; } = [];
    [JsonPropertyName("area")] public double Area { get; set; }
    [JsonPropertyName("iscrowd")] public int IsCrowd { get; set; }
    /// <summary>Detection results carry a score; ground truth does not.</summary>
    [JsonPropertyName("score")] public double? Score { get; set; }
}

public sealed class CocoCategory
{
    [JsonPropertyName("id")] public int Id { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("supercategory")] public string? Supercategory { get; set; }
}
