using Tood.Realtime.Evaluation;
using Xunit;

namespace Tood.Tests.Realtime.Evaluation;

public sealed class DetectionResultsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tood-eval-").FullName;
    private readonly Scene _scene = new Scene(2, 1, 5).AddGt(1, 1, 0, 0, 10, 10);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var p = Path.Combine(_dir, "results.json");
        File.WriteAllText(p, json);
        return p;
    }

    [Fact]
    public void Loads_a_results_array_and_round_trips_through_save()
    {
        var p = Write("""[{"image_id": 1, "category_id": 5, "bbox": [1.5, 2, 3, 4.25], "score": 0.75}, {"image_id": 2, "category_id": 1, "bbox": [0,0,1,1], "score": 0.1}]""");
        var dets = DetectionResultsFile.Load(p, _scene.Gt);
        Assert.Equal(2, dets.Count);
        Assert.Equal(5, dets[0].CategoryId);
        Assert.Equal([1.5, 2, 3, 4.25], dets[0].Bbox);
        Assert.Equal(0.75, dets[0].Score);

        var p2 = Path.Combine(_dir, "again.json");
        DetectionResultsFile.Save(p2, dets);
        var back = DetectionResultsFile.Load(p2, _scene.Gt);
        Assert.Equal(dets.Select(d => (d.ImageId, d.CategoryId, d.Score, d.Bbox[3])), back.Select(d => (d.ImageId, d.CategoryId, d.Score, d.Bbox[3])));
    }

    [Theory]
    [InlineData("""[{"image_id": 3, "category_id": 1, "bbox": [0,0,1,1], "score": 0.5}]""", "detection #0: unknown image_id 3")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0,0,1,1], "score": 0.5}, {"image_id": 1, "category_id": 2, "bbox": [0,0,1,1], "score": 0.5}]""", "detection #1: unknown category_id 2")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0,0,1], "score": 0.5}]""", "bbox must be [x, y, w, h], got 3 values")]
    [InlineData("""[{"image_id": 1, "category_id": 1, "bbox": [0,0,1,1]}]""", "missing or non-finite score")]
    [InlineData("""{"image_id": 1}""", "malformed detection results JSON")]
    public void Bad_entries_fail_with_one_line_naming_file_and_id(string json, string expectedFragment)
    {
        var p = Write(json);
        var e = Assert.Throws<InvalidDataException>(() => DetectionResultsFile.Load(p, _scene.Gt));
        Assert.Contains(expectedFragment, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(p, e.Message, StringComparison.Ordinal);
    }
}
