using OpenCvSharp;

namespace Tood.Train.Data.Synth;

/// <summary>Textured backgrounds (gradient, blotchy noise, stripes, checkerboard) plus fine pixel noise,
/// drawn only from the given <see cref="Random"/> so output is a pure function of the seed.</summary>
internal static class SynthBackground
{
    public static Mat Create(Random rng, int width, int height)
    {
        var bg = rng.Next(4) switch
        {
            0 => Gradient(rng, width, height),
            1 => Blotches(rng, width, height),
            2 => Stripes(rng, width, height),
            _ => Checker(rng, width, height),
        };
        AddNoise(bg, rng, amplitude: 12);
        return bg;
    }

    public static Scalar RandomColor(Random rng) => new(rng.Next(256), rng.Next(256), rng.Next(256));

    private static unsafe Mat Gradient(Random rng, int w, int h)
    {
        var c0 = RandomColor(rng);
        var c1 = RandomColor(rng);
        double angle = rng.NextDouble() * 2 * Math.PI, ca = Math.Cos(angle), sa = Math.Sin(angle);
        double min = Math.Min(0, w * ca) + Math.Min(0, h * sa), max = Math.Max(0, w * ca) + Math.Max(0, h * sa);
        double span = Math.Max(1e-6, max - min);
        var m = new Mat(h, w, MatType.CV_8UC3);
        for (int y = 0; y < h; y++)
        {
            var row = new Span<byte>((byte*)m.Ptr(y), w * 3);
            for (int x = 0; x < w; x++)
            {
                double t = (x * ca + y * sa - min) / span;
                for (int c = 0; c < 3; c++) row[x * 3 + c] = (byte)Math.Round(c0[c] + (c1[c] - c0[c]) * t);
            }
        }
        return m;
    }

    private static unsafe Mat Blotches(Random rng, int w, int h)
    {
        // Low-resolution random colours upsampled bicubically: smooth, irregular texture.
        int cell = 4 + rng.Next(12);
        int lw = Math.Max(2, w / cell), lh = Math.Max(2, h / cell);
        using var small = new Mat(lh, lw, MatType.CV_8UC3);
        var b = RandomColor(rng);
        int amp = 30 + rng.Next(60);
        for (int y = 0; y < lh; y++)
        {
            var row = new Span<byte>((byte*)small.Ptr(y), lw * 3);
            for (int i = 0; i < row.Length; i++) row[i] = (byte)Math.Clamp(b[i % 3] + rng.Next(-amp, amp + 1), 0, 255);
        }
        var m = new Mat();
        Cv2.Resize(small, m, new Size(w, h), 0, 0, InterpolationFlags.Cubic);
        return m;
    }

    private static Mat Stripes(Random rng, int w, int h)
    {
        var m = new Mat(h, w, MatType.CV_8UC3, RandomColor(rng));
        var c = RandomColor(rng);
        int period = Math.Max(4, (int)(Math.Min(w, h) * (0.04 + 0.1 * rng.NextDouble())));
        int thick = Math.Max(1, period / (2 + rng.Next(3)));
        double angle = rng.NextDouble() * Math.PI, dx = Math.Cos(angle), dy = Math.Sin(angle);
        int reach = w + h;
        // Lines perpendicular to (dx,dy) spaced by the period, long enough to cross the whole image.
        for (int k = -reach; k <= reach; k += period)
        {
            var p = new Point2d(w / 2.0 + dx * k, h / 2.0 + dy * k);
            var a = new Point((int)(p.X - dy * reach), (int)(p.Y + dx * reach));
            var e = new Point((int)(p.X + dy * reach), (int)(p.Y - dx * reach));
            Cv2.Line(m, a, e, c, thick, LineTypes.AntiAlias);
        }
        return m;
    }

    private static Mat Checker(Random rng, int w, int h)
    {
        var m = new Mat(h, w, MatType.CV_8UC3, RandomColor(rng));
        var c = RandomColor(rng);
        int cell = Math.Max(4, (int)(Math.Min(w, h) * (0.05 + 0.15 * rng.NextDouble())));
        for (int y = 0; y < h; y += cell)
            for (int x = (y / cell % 2) * cell; x < w; x += 2 * cell)
                Cv2.Rectangle(m, new Rect(x, y, cell, cell), c, -1);
        return m;
    }

    public static unsafe void AddNoise(Mat m, Random rng, int amplitude)
    {
        int rowBytes = m.Cols * m.ElemSize(), rows = m.Rows;
        for (int y = 0; y < rows; y++)
        {
            var row = new Span<byte>((byte*)m.Ptr(y), rowBytes);
            for (int i = 0; i < row.Length; i++) row[i] = (byte)Math.Clamp(row[i] + rng.Next(-amplitude, amplitude + 1), 0, 255);
        }
    }
}
