using System.Diagnostics;
using System.Globalization;
using Tood.Realtime.Pipeline;

namespace Tood.Live.Cli;

/// <summary>
/// One-line progress bar with FPS and ETA, redrawn in place at most 10 times a second (file mode, stderr,
/// only when stderr is a terminal).
/// </summary>
internal sealed class ProgressBar(TextWriter writer) : IProgress<PipelineProgress>
{
    private const int Width = 30;
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private PipelineProgress _last;
    private bool _drawn;

    public void Report(PipelineProgress p)
    {
        _last = p;
        if (_drawn && _sinceDraw.ElapsedMilliseconds < 100 && p.Frames != p.TotalFrames) return;
        _sinceDraw.Restart();
        writer.Write("\r" + Format(p));
        _drawn = true;
    }

    public void Finish()
    {
        if (!_drawn) return;
        writer.Write("\r" + Format(_last) + "\n");
        writer.Flush();
    }

    internal static string Format(PipelineProgress p)
    {
        var inv = CultureInfo.InvariantCulture;
        if (p.TotalFrames is not { } total || total <= 0)
            return string.Create(inv, $"{p.Frames} frames {p.Fps,6:0.0} FPS {Clock(p.ElapsedSeconds)}");
        double frac = Math.Clamp((double)p.Frames / total, 0, 1);
        int filled = (int)Math.Round(frac * Width);
        double eta = p.Fps > 0 ? Math.Max(0, total - p.Frames) / p.Fps : 0;
        return string.Create(inv, $"[{new string('#', filled)}{new string('.', Width - filled)}] {frac * 100,3:0}% {p.Frames}/{total} {p.Fps,6:0.0} FPS ETA {Clock(eta)}");
    }

    private static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }
}
