using OpenCvSharp;

namespace Tood.Tests.Realtime.Datasets;

/// <summary>Writes small real image files of known sizes and text files for hand-made dataset fixtures.</summary>
internal static class DatasetFixtures
{
    public static string Image(string path, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var m = new Mat(height, width, MatType.CV_8UC3, new Scalar(40, 90, 160));
        Cv2.ImWrite(path, m);
        return path;
    }

    public static string Text(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
