using System.Text.Json;
using OpenCvSharp;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Sinks;
using Xunit;

namespace Tood.Tests.Realtime.Sinks;

public sealed class SinkFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tood-sinks-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static ProcessedFrame Frame(long i, Mat m, params Detection[] d) => new(i, i / 25.0, m, d);

    [Fact]
    public void Jsonl_writes_one_object_per_frame_including_empty_frames()
    {
        var path = Path.Combine(_dir, "d.jsonl");
        using var img = new Mat(240, 320, MatType.CV_8UC3);
        using (var sink = new JsonlSink(path))
        {
            Assert.False(File.Exists(path)); // written under a temporary name until complete
            sink.Write(Frame(0, img, new Detection(1.234f, 2, 30.5f, 40, 0.87654f, 2, "car")));
            sink.Write(Frame(1, img));
            sink.Complete();
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Equal("""{"frame":0,"time":0,"width":320,"height":240,"detections":[{"x1":1.23,"y1":2,"x2":30.5,"y2":40,"score":0.8765,"class_id":2,"class":"car"}]}""", lines[0]);
        using var doc = JsonDocument.Parse(lines[1]);
        Assert.Equal(1, doc.RootElement.GetProperty("frame").GetInt32());
        Assert.Equal(0.04, doc.RootElement.GetProperty("time").GetDouble(), 6);
        Assert.Equal(0, doc.RootElement.GetProperty("detections").GetArrayLength());
        Assert.Empty(Directory.GetFiles(_dir, ".*partial*"));
    }

    [Fact]
    public void Csv_writes_header_and_one_row_per_detection_with_quoting()
    {
        var path = Path.Combine(_dir, "d.csv");
        using var img = new Mat(10, 10, MatType.CV_8UC3);
        using (var sink = new CsvSink(path))
        {
            sink.Write(Frame(3, img, new Detection(1, 2, 3, 4, 0.5f, 0, "person"), new Detection(5.556f, 6, 7, 8, 0.25f, 1, "hot, \"dog\"")));
            sink.Write(Frame(4, img));
        }
        Assert.Equal([
            "frame,time,x1,y1,x2,y2,score,class_id,class",
            "3,0.12,1,2,3,4,0.5,0,person",
            "3,0.12,5.56,6,7,8,0.25,1,\"hot, \"\"dog\"\"\"",
        ], File.ReadAllLines(path));
    }

    [Fact]
    public void Abort_leaves_no_file_and_unwritable_paths_fail_with_the_flag_named()
    {
        var path = Path.Combine(_dir, "x.jsonl");
        var sink = new JsonlSink(path);
        sink.Abort();
        sink.Dispose();
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir));
        var e = Assert.Throws<IOException>(() => new CsvSink(Path.Combine(_dir, "no", "such", "dir.csv")));
        Assert.StartsWith("--save-csv ", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Jsonl_adds_track_id_after_class_only_for_tracked_detections()
    {
        var path = Path.Combine(_dir, "t.jsonl");
        using var img = new Mat(240, 320, MatType.CV_8UC3);
        using (var sink = new JsonlSink(path))
            sink.Write(Frame(0, img, new Detection(1, 2, 30.5f, 40, 0.87654f, 2, "car", 7), new Detection(5, 6, 7, 8, 0.5f, 0, "person")));
        Assert.Equal(
            """{"frame":0,"time":0,"width":320,"height":240,"detections":[{"x1":1,"y1":2,"x2":30.5,"y2":40,"score":0.8765,"class_id":2,"class":"car","track_id":7},{"x1":5,"y1":6,"x2":7,"y2":8,"score":0.5,"class_id":0,"class":"person"}]}""",
            File.ReadAllText(path).TrimEnd('\n'));
    }

    [Fact]
    public void Csv_with_track_ids_has_a_last_track_id_column()
    {
        var path = Path.Combine(_dir, "t.csv");
        using var img = new Mat(10, 10, MatType.CV_8UC3);
        using (var sink = new CsvSink(path, trackIds: true))
            sink.Write(Frame(3, img, new Detection(1, 2, 3, 4, 0.5f, 0, "person", 12), new Detection(5, 6, 7, 8, 0.25f, 1, "a,b")));
        Assert.Equal([
            "frame,time,x1,y1,x2,y2,score,class_id,class,track_id",
            "3,0.12,1,2,3,4,0.5,0,person,12",
            "3,0.12,5,6,7,8,0.25,1,\"a,b\",",
        ], File.ReadAllLines(path));
    }

    [Fact]
    public void Mot_sink_writes_one_based_frames_and_left_top_width_height_and_skips_untracked()
    {
        var path = Path.Combine(_dir, "t.txt");
        using var img = new Mat(10, 10, MatType.CV_8UC3);
        using (var sink = new MotSink(path))
        {
            Assert.False(File.Exists(path));
            sink.Write(Frame(0, img, new Detection(10, 20, 40.256f, 80, 0.91234f, 1, "x", 5), new Detection(0, 0, 5, 5, 0.4f, 0, "y")));
            sink.Write(Frame(1, img));
            sink.Write(Frame(4, img, new Detection(12, 21, 42, 81, 0.5f, 1, "x", 5)));
        }
        Assert.Equal(["1,5,10,20,30.26,60,0.9123,-1,-1,-1", "5,5,12,21,30,60,0.5,-1,-1,-1"], File.ReadAllLines(path));
        var e = Assert.Throws<IOException>(() => new MotSink(Path.Combine(_dir, "missing", "t.txt")));
        Assert.StartsWith("--save-mot ", e.Message);
    }
}
