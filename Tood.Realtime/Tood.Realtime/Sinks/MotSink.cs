using System.Text;
using Tood.Realtime.Mot;

namespace Tood.Realtime.Sinks;

/// <summary>
/// Tracker results in MOT Challenge text format (<c>--save-mot</c>): one row per tracked detection,
/// <c>frame,id,x,y,w,h,conf,-1,-1,-1</c> with 1-based frame numbers (source frame index + 1, so rows line up
/// with a gt.txt also under <c>--vid-stride</c>) and pixels as left/top/width/height. Detections without a
/// track ID are not written.
/// </summary>
public sealed class MotSink(string path) : TextLineSink(path, "--save-mot")
{
    private readonly StringBuilder _line = new();

    public override void Write(in ProcessedFrame f)
    {
        foreach (var d in f.Detections)
        {
            if (d.TrackId is not { } id) continue;
            _line.Clear();
            MotFile.AppendResult(_line, new MotRecord((int)(f.Index + 1), id, d.X1, d.Y1, d.Width, d.Height, d.Score));
            Writer.WriteLine(_line);
        }
        Writer.Flush();
    }
}
