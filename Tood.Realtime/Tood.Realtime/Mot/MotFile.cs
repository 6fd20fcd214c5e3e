using System.Globalization;
using System.Text;

namespace Tood.Realtime.Mot;

/// <summary>
/// MOT Challenge text files: comma-separated rows <c>frame,id,left,top,width,height,c7,c8,c9[,c10]</c>.
/// Results are written as <c>frame,id,x,y,w,h,conf,-1,-1,-1</c>, ground truth as
/// <c>frame,id,x,y,w,h,flag,class,visibility</c>; both read back with <see cref="Read"/>.
/// </summary>
public static class MotFile
{
    /// <summary>Reads every row. Bad rows fail with one line naming the file and line.</summary>
    public static List<MotRecord> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"MOT file not found: {path}", path);
        var rows = new List<MotRecord>();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            rows.Add(Parse(line) ?? throw new InvalidDataException($"{path}:{lineNo}: expected frame,id,left,top,width,height[,conf,class,visibility], got '{Shorten(line)}'"));
        }
        return rows;
    }

    private static MotRecord? Parse(string line)
    {
        var inv = CultureInfo.InvariantCulture;
        Span<Range> parts = stackalloc Range[11];
        var s = line.AsSpan();
        int n = s.Split(parts, ',');
        if (n < 6 || n > 10) return null;
        Span<double> v = stackalloc double[9];
        for (int i = 0; i < Math.Min(n, 9); i++)
            if (!double.TryParse(s[parts[i]].Trim(), NumberStyles.Float, inv, out v[i]) || !double.IsFinite(v[i])) return null;
        if (v[0] < 1 || v[0] != Math.Floor(v[0]) || v[1] != Math.Floor(v[1]) || v[4] < 0 || v[5] < 0) return null;
        return new MotRecord((int)v[0], (int)v[1], (float)v[2], (float)v[3], (float)v[4], (float)v[5],
            n > 6 ? (float)v[6] : 1, n > 7 ? (int)v[7] : -1, n > 8 ? (float)v[8] : -1);
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";

    /// <summary>A tracker result row: <c>frame,id,x,y,w,h,conf,-1,-1,-1</c> (pixels to 0.01, conf to 1e-4).</summary>
    public static void AppendResult(StringBuilder sb, in MotRecord r) =>
        sb.Append(CultureInfo.InvariantCulture, $"{r.Frame},{r.Id},{r.Left:0.##},{r.Top:0.##},{r.Width:0.##},{r.Height:0.##},{r.Confidence:0.####},-1,-1,-1");

    /// <summary>A ground-truth row: <c>frame,id,x,y,w,h,flag,class,visibility</c>.</summary>
    public static void AppendGroundTruth(StringBuilder sb, in MotRecord r) =>
        sb.Append(CultureInfo.InvariantCulture, $"{r.Frame},{r.Id},{r.Left:0.##},{r.Top:0.##},{r.Width:0.##},{r.Height:0.##},{r.Confidence:0},{r.ClassId},{r.Visibility:0.###}");

    /// <summary>Writes ground-truth rows (sorted by frame, then ID, as MOT files are).</summary>
    public static void WriteGroundTruth(string path, IEnumerable<MotRecord> rows)
    {
        var sb = new StringBuilder();
        foreach (var r in rows.OrderBy(r => r.Frame).ThenBy(r => r.Id)) { AppendGroundTruth(sb, r); sb.Append('\n'); }
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, sb.ToString(), new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }
}
