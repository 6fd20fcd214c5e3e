using System.Globalization;
using System.Text;

namespace Tood.Realtime.Sinks;

/// <summary>
/// One row per detection: <c>frame,time,x1,y1,x2,y2,score,class_id,class</c> (source pixels; RFC 4180
/// quoting for class names with commas or quotes). Frames without detections have no row. With
/// <c>trackIds</c> a last column <c>track_id</c> follows (empty for a detection without one). With <c>fileNames</c>
/// (image input) a column <c>file</c> follows <c>frame</c>: the image's name relative to the input folder.
/// </summary>
public sealed class CsvSink : TextLineSink
{
    public const string Header = "frame,time,x1,y1,x2,y2,score,class_id,class";
    public const string TrackIdColumn = ",track_id";
    private readonly StringBuilder _line = new();
    private readonly bool _trackIds, _fileNames;

    public CsvSink(string path, bool trackIds = false, bool fileNames = false) : base(path, "--save-csv")
    {
        _trackIds = trackIds;
        _fileNames = fileNames;
        string header = fileNames ? Header.Replace("frame,", "frame,file,", StringComparison.Ordinal) : Header;
        Writer.WriteLine(trackIds ? header + TrackIdColumn : header);
    }

    public override void Write(in ProcessedFrame f)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var d in f.Detections)
        {
            _line.Clear();
            _line.Append(f.Index).Append(',');
            if (_fileNames) { AppendField(_line, f.Name ?? ""); _line.Append(','); }
            _line.Append(inv, $"{f.TimeSeconds:0.####},{d.X1:0.##},{d.Y1:0.##},{d.X2:0.##},{d.Y2:0.##},{d.Score:0.####},{d.ClassId},");
            AppendField(_line, d.ClassName);
            if (_trackIds)
            {
                _line.Append(',');
                if (d.TrackId is { } id) _line.Append(id);
            }
            Writer.WriteLine(_line);
        }
        Writer.Flush();
    }

    internal static void AppendField(StringBuilder sb, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\n\r") < 0) { sb.Append(value); return; }
        sb.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
