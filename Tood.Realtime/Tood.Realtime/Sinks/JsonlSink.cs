using System.Text;
using System.Text.Json;

namespace Tood.Realtime.Sinks;

/// <summary>
/// One JSON object per frame and line (frames without detections included):
/// {"frame":0,"time":0.0,"width":W,"height":H,"detections":[{"x1":..,"y1":..,"x2":..,"y2":..,"score":..,"class_id":0,"class":"person"}]}.
/// Coordinates in source pixels, rounded to 0.01 px; scores to 1e-4. A tracked detection also has "track_id"
/// (after "class"); without tracking the output is unchanged. Image input adds "file" after "frame" (the image's
/// name relative to the input folder; "time" is 0).
/// </summary>
public sealed class JsonlSink : IFrameSink
{
    private readonly PartialFile _file;
    private readonly FileStream _stream;
    private readonly Utf8JsonWriter _json;
    private bool _done;

    public JsonlSink(string path)
    {
        _file = new PartialFile(path, "--save-json");
        _stream = new FileStream(_file.TempPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        _json = new Utf8JsonWriter(_stream);
    }

    public void Write(in ProcessedFrame f)
    {
        _json.Reset(_stream);
        _json.WriteStartObject();
        _json.WriteNumber("frame", f.Index);
        if (f.Name is { } name) _json.WriteString("file", name);
        _json.WriteNumber("time", Math.Round(f.TimeSeconds, 4));
        _json.WriteNumber("width", f.Image.Width);
        _json.WriteNumber("height", f.Image.Height);
        _json.WriteStartArray("detections");
        foreach (var d in f.Detections)
        {
            _json.WriteStartObject();
            _json.WriteNumber("x1", Math.Round(d.X1, 2));
            _json.WriteNumber("y1", Math.Round(d.Y1, 2));
            _json.WriteNumber("x2", Math.Round(d.X2, 2));
            _json.WriteNumber("y2", Math.Round(d.Y2, 2));
            _json.WriteNumber("score", Math.Round(d.Score, 4));
            _json.WriteNumber("class_id", d.ClassId);
            _json.WriteString("class", d.ClassName);
            if (d.TrackId is { } id) _json.WriteNumber("track_id", id);
            _json.WriteEndObject();
        }
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.Flush();
        _stream.WriteByte((byte)'\n');
    }

    public void Complete()
    {
        if (_done) return;
        _done = true;
        _json.Dispose();
        _stream.Dispose();
        _file.Commit();
    }

    public void Abort()
    {
        if (_done) return;
        _done = true;
        _json.Dispose();
        _stream.Dispose();
        _file.Delete();
    }

    public void Dispose() => Complete();
}
