using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tood.Realtime.Coco;

/// <summary>COCO detection annotation file (instances_*.json), the subset Tood reads and writes.</summary>
public sealed class CocoFile
{
    public CocoInfo? Info { get; set; }
    public List<CocoImage> Images { get; set; } = [];
    public List<CocoAnnotation> Annotations { get; set; } = [];
    public List<CocoCategory> Categories { get; set; } = [];

    /// <summary>COCO's keys are the properties' names in snake case (<c>image_id</c>); only <c>iscrowd</c> is named by hand.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
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
    public string? Description { get; set; }
    public string? Version { get; set; }
}

public sealed class CocoImage
{
    public long Id { get; set; }
    public string FileName { get; set; } = "";
    public int Width { get; set; }
    public int Height { get; set; }
}

public sealed class CocoAnnotation
{
    public long Id { get; set; }
    public long ImageId { get; set; }
    public int CategoryId { get; set; }
    /// <summary>[x, y, width, height] in pixels.</summary>
    public double[] Bbox { get; set; } = [];
    public double Area { get; set; }
    [JsonPropertyName("iscrowd")] public int IsCrowd { get; set; }
    /// <summary>Detection results carry a score; ground truth does not.</summary>
    public double? Score { get; set; }
}

public sealed class CocoCategory
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string? Supercategory { get; set; }
}
