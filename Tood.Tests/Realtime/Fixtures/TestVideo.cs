using OpenCvSharp;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>Synthetic test videos and frames: dark background with a red, a green and a blue rectangle moving across.</summary>
internal static class TestVideo
{
    public static Mat Frame(int index, int width = 320, int height = 240)
    {
        var m = new Mat(height, width, MatType.CV_8UC3, new Scalar(40, 40, 40));
        int w = width / 5, h = height / 4;
        int dx = index * 3 % Math.Max(1, width - w);
        Cv2.Rectangle(m, new Rect(dx, height / 10, w, h), new Scalar(0, 0, 255), -1);                              // red
        Cv2.Rectangle(m, new Rect(width - w - dx, height * 4 / 10, w, h), new Scalar(0, 255, 0), -1);              // green
        Cv2.Rectangle(m, new Rect(width / 3, Math.Min(height - h, height * 2 / 3), w + index % 20, h - 10), new Scalar(255, 0, 0), -1); // blue
        return m;
    }

    public static void Write(string path, int frames = 48, int width = 320, int height = 240, double fps = 24)
    {
        using var writer = new VideoWriter(path, FourCC.FromFourChars('m', 'p', '4', 'v'), fps, new Size(width, height));
        if (!writer.IsOpened()) throw new InvalidOperationException($"cannot write test video {path}");
        for (int i = 0; i < frames; i++)
        {
            using var f = Frame(i, width, height);
            writer.Write(f);
        }
        writer.Release();
    }

    /// <summary>Counts frames by decoding them all (not the container's frame-count field).</summary>
    public static (int Frames, int Width, int Height) Probe(string path)
    {
        using var cap = new VideoCapture(path);
        if (!cap.IsOpened()) return (0, 0, 0);
        int n = 0, w = 0, h = 0;
        using var m = new Mat();
        while (cap.Read(m) && !m.Empty()) { n++; w = m.Width; h = m.Height; }
        return (n, w, h);
    }
}
