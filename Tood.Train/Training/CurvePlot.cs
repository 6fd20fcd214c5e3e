using System.Globalization;
using OpenCvSharp;

namespace Tood.Train.Training;

/// <summary>Draws RUNDIR/curves.png from the metrics: left panel the losses per epoch, right panel the
/// validation AP / AP50 per epoch (OpenCvSharp drawing, no plotting dependency).</summary>
public static class CurvePlot
{
    private const int PanelW = 460, PanelH = 360, Margin = 48;

    public static void Save(string path, IReadOnlyList<EpochMetrics> rows)
    {
        using var img = new Mat(PanelH, PanelW * 2, MatType.CV_8UC3, Scalar.All(255));
        var epochs = rows.Select(r => (double)r.Epoch + 1).ToArray();
        Panel(img, 0, "loss", epochs,
        [
            ("total", new Scalar(40, 40, 40), rows.Select(r => (double?)r.Loss).ToArray()),
            ("cls", new Scalar(200, 80, 0), rows.Select(r => (double?)r.LossCls).ToArray()),
            ("bbox", new Scalar(0, 120, 220), rows.Select(r => (double?)r.LossBbox).ToArray()),
        ], zeroBased: true);
        Panel(img, PanelW, "val mAP", epochs,
        [
            ("AP", new Scalar(0, 150, 0), rows.Select(r => r.ValAp).ToArray()),
            ("AP50", new Scalar(160, 0, 160), rows.Select(r => r.ValAp50).ToArray()),
        ], zeroBased: true, legendBottom: true);
        var tmp = path + ".tmp.png";
        Cv2.ImWrite(tmp, img);
        File.Move(tmp, path, overwrite: true);
    }

    private static void Panel(Mat img, int x0, string title, double[] xs, (string Name, Scalar Color, double?[] Ys)[] series, bool zeroBased, bool legendBottom = false)
    {
        var inv = CultureInfo.InvariantCulture;
        int left = x0 + Margin, right = x0 + PanelW - 16, top = 28, bottom = PanelH - Margin;
        var values = series.SelectMany(s => s.Ys).Where(v => v is not null && double.IsFinite(v.Value)).Select(v => v!.Value).ToList();
        double ymin = zeroBased ? 0 : (values.Count > 0 ? values.Min() : 0);
        double ymax = values.Count > 0 ? Math.Max(values.Max(), ymin + 1e-6) : 1;
        ymax += (ymax - ymin) * 0.05;
        double xmin = xs.Length > 0 ? xs.Min() : 0, xmax = xs.Length > 1 ? xs.Max() : xmin + 1;
        Point Map(double x, double y) => new(
            left + (int)Math.Round((x - xmin) / (xmax - xmin) * (right - left)),
            bottom - (int)Math.Round((y - ymin) / (ymax - ymin) * (bottom - top)));

        Cv2.PutText(img, title, new Point(left, 18), HersheyFonts.HersheySimplex, 0.55, Scalar.All(0), 1, LineTypes.AntiAlias);
        Cv2.Line(img, new Point(left, bottom), new Point(right, bottom), Scalar.All(0), 1);
        Cv2.Line(img, new Point(left, bottom), new Point(left, top), Scalar.All(0), 1);
        for (int i = 0; i <= 4; i++)
        {
            double y = ymin + (ymax - ymin) * i / 4;
            var p = Map(xmin, y);
            Cv2.Line(img, new Point(left - 4, p.Y), new Point(right, p.Y), Scalar.All(225), 1);
            Cv2.PutText(img, y.ToString("G3", inv), new Point(x0 + 4, p.Y + 4), HersheyFonts.HersheySimplex, 0.35, Scalar.All(0), 1, LineTypes.AntiAlias);
        }
        // Whole-epoch ticks, at most ~8.
        int tickStep = Math.Max(1, (int)Math.Ceiling((xmax - xmin) / 7));
        for (double x = xmin; x <= xmax + 1e-9; x += tickStep)
        {
            var p = Map(x, ymin);
            Cv2.Line(img, new Point(p.X, bottom), new Point(p.X, bottom + 4), Scalar.All(0), 1);
            Cv2.PutText(img, x.ToString("0.#", inv), new Point(p.X - 6, bottom + 18), HersheyFonts.HersheySimplex, 0.35, Scalar.All(0), 1, LineTypes.AntiAlias);
        }
        Cv2.PutText(img, "epoch", new Point((left + right) / 2 - 16, PanelH - 8), HersheyFonts.HersheySimplex, 0.4, Scalar.All(0), 1, LineTypes.AntiAlias);

        // Loss curves fall (legend top right), mAP curves rise (legend bottom right).
        int legendY = legendBottom ? bottom - 8 - 16 * (series.Length - 1) : top + 4;
        foreach (var (name, color, ys) in series)
        {
            Point? prev = null;
            for (int i = 0; i < xs.Length && i < ys.Length; i++)
            {
                if (ys[i] is not { } y || !double.IsFinite(y)) continue; // epochs without validation: join the measured ones
                var p = Map(xs[i], y);
                if (prev is { } q) Cv2.Line(img, q, p, color, 2, LineTypes.AntiAlias);
                Cv2.Circle(img, p, 3, color, -1, LineTypes.AntiAlias);
                prev = p;
            }
            Cv2.Line(img, new Point(right - 90, legendY), new Point(right - 70, legendY), color, 2);
            Cv2.PutText(img, name, new Point(right - 64, legendY + 4), HersheyFonts.HersheySimplex, 0.4, color, 1, LineTypes.AntiAlias);
            legendY += 16;
        }
    }
}
