using System.Globalization;
using System.Text;

namespace Tood.Realtime.Sinks;

/// <summary>
/// One row per detection: <c>frame,time,x1,y1,x2,y2,score,class_id,class</c> (source pixels; RFC 4180
/// quoting for class names with commas or quotes). Frames without detections have no row.
/// </summary>
public sealed class CsvSink : IFrameSink
{
    public const string Header = "frame,time,x1,y1,x2,y2,score,class_id,class";
    private readonly PartialFile _file;
    private readonly StreamWriter _writer;
    private readonly StringBuilder _line = new();
    private bool _done;

    public CsvSink(string path)
    {
        _file = new PartialFile(path, "--save-csv");
        _writer = new StreamWriter(_file.TempPath, false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        _writer.WriteLine(Header);
    }

    public void Write(in ProcessedFrame f)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var d in f.Detections)
        {
            _line.Clear();
            _line.Append(inv, $"{f.Index},{f.TimeSeconds:0.####},{d.X1:0.##},{d.Y1:0.##},{d.X2:0.##},{d.Y2:0.##},{d.Score:0.####},{d.ClassId},");
            AppendField(_line, d.ClassName);
            _writer.WriteLine(_line);
        }
        _writer.Flush();
    }

    internal static void AppendField(StringBuilder sb, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\n\r") < 0) { sb.Append(value); return; }
        sb.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    public void Complete()
    {
        if (_done) return;
        _done = true;
        _writer.Dispose();
        _file.Commit();
    }

    public void Abort()
    {
        if (_done) return;
        _done = true;
        _writer.Dispose();
        _file.Delete();
    }

    public void Dispose() => Complete();
}
