using System.Globalization;
using OpenCvSharp;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Rendering;

/// <summary>
/// Draws detections (box, "class score" label on a filled tab) and a status line (FPS, latency) onto a
/// BGR frame in place. Line width 0 = automatic, scaled with the image like common detector CLIs.
/// The status line is drawn separately by displays (<see cref="DrawStatus"/>) so saved frames need not carry it.
/// Tracked detections are coloured by track ID (stable across frames) and labelled "id:N class score";
/// with <c>trailLength</c> ≥ 2 each track also gets a trail of its last box centres (the renderer then
/// keeps state: draw every frame of one video, in order).
/// </summary>
public sealed class OverlayRenderer(int lineWidth = 0, int trailLength = 0)
{
    private readonly TrackTrails? _trails = trailLength > 0 ? new TrackTrails(trailLength) : null;

    // Ultralytics' 20-colour palette (RGB hex), so class colours look familiar.
    private static readonly string[] PaletteHex =
    [
        "FF3838", "FF9D97", "FF701F", "FFB21D", "CFD231", "48F90A", "92CC17", "3DDB86", "1A9334", "00D4BB",
        "2C99A8", "00C2FF", "344593", "6473FF", "0018EC", "8438FF", "520085", "CB38FF", "FF95C8", "FF37C7",
    ];
    private static readonly Scalar[] Palette = PaletteHex.Select(h =>
        new Scalar(int.Parse(h[4..6], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                   int.Parse(h[2..4], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                   int.Parse(h[0..2], NumberStyles.HexNumber, CultureInfo.InvariantCulture))).ToArray();

    public static Scalar ColorOf(int classId) => Palette[((classId % Palette.Length) + Palette.Length) % Palette.Length];

    /// <summary>
    /// A track's colour: hue stepped by the golden ratio per ID, so consecutive IDs get far-apart hues and an
    /// ID keeps its colour for the whole video; saturation 0.85, value 0.95 (BGR).
    /// </summary>
    public static Scalar ColorOfTrack(int trackId)
    {
        double hue = trackId * 0.6180339887498949 % 1.0 * 6;
        if (hue < 0) hue += 6;
        const double v = 0.95 * 255, s = 0.85;
        int sector = (int)hue;
        double f = hue - sector, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        (double r, double g, double b) = sector switch
        {
            0 => (v, t, p), 1 => (q, v, p), 2 => (p, v, t), 3 => (p, q, v), 4 => (t, p, v), _ => (v, p, q),
        };
        return new Scalar(Math.Round(b), Math.Round(g), Math.Round(r));
    }

    public int LineWidthFor(Mat image) => lineWidth > 0 ? lineWidth : Math.Max((int)Math.Round((image.Width + image.Height) / 2 * 0.003), 2);

    public void Draw(Mat image, IReadOnlyList<Detection> detections, string? status)
    {
        int lw = LineWidthFor(image);
        var (fontScale, thickness) = Font(lw);
        if (_trails is not null)
        {
            _trails.Add(detections);
            _trails.Draw(image, lw);
        }
        foreach (var d in detections)
        {
            var color = d.TrackId is { } id ? ColorOfTrack(id) : ColorOf(d.ClassId);
            var p1 = new Point((int)MathF.Round(d.X1), (int)MathF.Round(d.Y1));
            var p2 = new Point((int)MathF.Round(d.X2), (int)MathF.Round(d.Y2));
            Cv2.Rectangle(image, p1, p2, color, lw, LineTypes.AntiAlias);
            string label = d.TrackId is { } tid
                ? string.Create(CultureInfo.InvariantCulture, $"id:{tid} {d.ClassName} {d.Score:0.00}")
                : string.Create(CultureInfo.InvariantCulture, $"{d.ClassName} {d.Score:0.00}");
            var size = Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, fontScale, thickness, out int baseline);
            bool outside = p1.Y - size.Height - 3 >= 0;
            var tabTop = outside ? p1.Y - size.Height - 3 : p1.Y;
            var tabBottom = outside ? p1.Y : p1.Y + size.Height + 3;
            Cv2.Rectangle(image, new Point(p1.X, tabTop), new Point(p1.X + size.Width, tabBottom), color, -1, LineTypes.AntiAlias);
            Cv2.PutText(image, label, new Point(p1.X, outside ? p1.Y - 2 : p1.Y + size.Height + 1), HersheyFonts.HersheySimplex,
                fontScale, TextColorOn(color), thickness, LineTypes.AntiAlias);
            _ = baseline;
        }
        if (!string.IsNullOrEmpty(status)) DrawStatus(image, status);
    }

    /// <summary>The status line: white text on a black band at the top-left corner.</summary>
    public void DrawStatus(Mat image, string status)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (fontScale, thickness) = Font(LineWidthFor(image));
        var size = Cv2.GetTextSize(status, HersheyFonts.HersheySimplex, fontScale, thickness, out _);
        Cv2.Rectangle(image, new Point(0, 0), new Point(size.Width + 8, size.Height + 10), Scalar.Black, -1);
        Cv2.PutText(image, status, new Point(4, size.Height + 5), HersheyFonts.HersheySimplex, fontScale, Scalar.White, thickness, LineTypes.AntiAlias);
    }

    private static (double FontScale, int Thickness) Font(int lineWidth) => (Math.Max(lineWidth / 3.0, 0.4), Math.Max(lineWidth - 1, 1));

    private static Scalar TextColorOn(Scalar bg) => 0.114 * bg.Val0 + 0.587 * bg.Val1 + 0.299 * bg.Val2 > 150 ? Scalar.Black : Scalar.White;
}
