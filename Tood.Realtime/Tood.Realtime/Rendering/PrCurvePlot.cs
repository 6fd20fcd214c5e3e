using System.Globalization;
using OpenCvSharp;

namespace Tood.Realtime.Rendering;

/// <summary>One curve of a <see cref="PrCurvePlot"/>: precision at evenly spaced recall points from 0 to 1.</summary>
public sealed record PlotCurve(string Label, IReadOnlyList<double> Precision, Scalar Color, int Thickness = 2);

/// <summary>
/// A precision–recall chart drawn with OpenCV (white background, recall on x, precision on y, both 0–1, a
/// 0.2 grid, a title and a legend of the labelled curves), written as PNG. <see cref="ToPixel"/> is the
/// axis mapping, so a test can find a curve on the image.
/// </summary>
public sealed class PrCurvePlot
{
    public const int Width = 800, Height = 560;
    private const int Left = 64, Right = 236, Top = 44, Bottom = 52;
    private static readonly Scalar Grid = new(225, 225, 225), Axis = new(60, 60, 60), Text = new(30, 30, 30);

    /// <summary>Pixel of (recall, precision), both in [0,1].</summary>
    public static Point ToPixel(double recall, double precision) => new(
        Left + (int)Math.Round(Math.Clamp(recall, 0, 1) * (Width - Left - Right)),
        Top + (int)Math.Round((1 - Math.Clamp(precision, 0, 1)) * (Height - Top - Bottom)));

    /// <summary>Draws the chart; curves are drawn in order (the last on top); a curve with a null label is left
    /// out of the legend (e.g. one grey curve per class when there are too many classes to name).</summary>
    public static Mat Render(string title, IReadOnlyList<PlotCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        var img = new Mat(Height, Width, MatType.CV_8UC3, Scalar.White);
        DrawAxes(img);
        foreach (var c in curves)
        {
            if (c.Precision.Count < 2) continue;
            var points = c.Precision.Select((p, i) => ToPixel((double)i / (c.Precision.Count - 1), p)).ToArray();
            Cv2.Polylines(img, [points], isClosed: false, c.Color, c.Thickness, LineTypes.AntiAlias);
        }
        Cv2.PutText(img, title, new Point(Left, 28), HersheyFonts.HersheySimplex, 0.6, Text, 1, LineTypes.AntiAlias);
        int y = Top + 6;
        foreach (var c in curves.Where(c => !string.IsNullOrEmpty(c.Label)))
        {
            if (y > Height - Bottom) break;
            Cv2.Line(img, new Point(Width - Right + 16, y), new Point(Width - Right + 40, y), c.Color, Math.Max(2, c.Thickness), LineTypes.AntiAlias);
            Cv2.PutText(img, c.Label, new Point(Width - Right + 46, y + 5), HersheyFonts.HersheySimplex, 0.42, Text, 1, LineTypes.AntiAlias);
            y += 20;
        }
        return img;
    }

    /// <summary>Renders and writes a PNG.</summary>
    public static void Save(string path, string title, IReadOnlyList<PlotCurve> curves)
    {
        using var img = Render(title, curves);
        if (!Cv2.ImWrite(path, img)) throw new IOException($"{path}: could not write the PNG");
    }

    private static void DrawAxes(Mat img)
    {
        var inv = CultureInfo.InvariantCulture;
        for (int i = 0; i <= 5; i++)
        {
            double v = i / 5.0;
            Cv2.Line(img, ToPixel(v, 0), ToPixel(v, 1), Grid, 1);
            Cv2.Line(img, ToPixel(0, v), ToPixel(1, v), Grid, 1);
            string label = v.ToString("0.0", inv);
            var x = ToPixel(v, 0);
            Cv2.PutText(img, label, new Point(x.X - 11, x.Y + 18), HersheyFonts.HersheySimplex, 0.4, Text, 1, LineTypes.AntiAlias);
            var yv = ToPixel(0, v);
            Cv2.PutText(img, label, new Point(yv.X - 30, yv.Y + 4), HersheyFonts.HersheySimplex, 0.4, Text, 1, LineTypes.AntiAlias);
        }
        Cv2.Rectangle(img, ToPixel(0, 1), ToPixel(1, 0), Axis, 1);
        var bottom = ToPixel(0.5, 0);
        Cv2.PutText(img, "recall", new Point(bottom.X - 22, bottom.Y + 40), HersheyFonts.HersheySimplex, 0.5, Text, 1, LineTypes.AntiAlias);
        Cv2.PutText(img, "precision", new Point(6, Top - 8), HersheyFonts.HersheySimplex, 0.5, Text, 1, LineTypes.AntiAlias);
    }
}
