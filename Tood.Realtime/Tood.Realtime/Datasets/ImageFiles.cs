using OpenCvSharp;

namespace Tood.Realtime.Datasets;

/// <summary>Image file names and sizes as the data loader will see them.</summary>
public static class ImageFiles
{
    internal static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".bmp", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp" };

    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>Width and height after OpenCV's colour decode, which applies the EXIF orientation like the
    /// training loader does (YOLO's normalised labels refer to that orientation, as in Ultralytics' exif_size).</summary>
    public static (int Width, int Height) Size(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: image file not found", path);
        using var m = Cv2.ImRead(path, ImreadModes.Color);
        if (m.Empty()) throw new InvalidDataException($"{path}: not a readable image");
        return (m.Width, m.Height);
    }
}
