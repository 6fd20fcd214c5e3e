using OpenCvSharp;

namespace Tood.Realtime.Video.Images;

/// <summary>
/// Image files as a frame source for the video pipeline (<see cref="ImageInputs"/>): one decoded BGR image per
/// <see cref="Read"/>, each at its own size (the frame's Mat carries it, so <see cref="Width"/>/<see cref="Height"/>
/// are 0), named by <see cref="FrameName"/>. An image that does not decode throws <see cref="UnreadableFrameException"/>:
/// the capture loop reports and skips it, and the frame index still advances, so a frame's index is the image's
/// position in the sorted list (the COCO image_id is that position + 1, as tood-live val numbers a YOLO split).
/// </summary>
public sealed class ImageFileSource : IFrameSource
{
    private readonly IReadOnlyList<ImageInput> _images;
    private int _next;

    public ImageFileSource(IReadOnlyList<ImageInput> images, string baseDirectory, string description)
    {
        if (images.Count == 0) throw new ArgumentException("no images", nameof(images));
        _images = images; BaseDirectory = baseDirectory; Description = description;
    }

    /// <summary>Opens <paramref name="source"/> (an image, a folder or a glob; see <see cref="ImageInputs.Resolve"/>).</summary>
    public static ImageFileSource Open(string source)
    {
        var (images, dir) = ImageInputs.Resolve(source);
        string kind = Directory.Exists(source) ? "folder" : ImageInputs.IsPattern(source) ? "pattern" : "image";
        return new ImageFileSource(images, dir, $"{kind} {source}");
    }

    /// <summary>The folder the images' names are relative to (the output must not be it: it would replace them).</summary>
    public string BaseDirectory { get; }
    public IReadOnlyList<ImageInput> Images => _images;
    public string Description { get; }
    public string Backend => "OpenCV imread";
    public bool IsLive => false;
    public bool IsStills => true;

    /// <summary>A folder that gets each annotated image under its own name, size and format.</summary>
    public Sinks.IFrameSink OpenAnnotatedOutput(string path, AnnotatedOutput settings, out string description)
    {
        description = $"writing annotated images to {path}";
        return new Sinks.ImageFolderSink(path, BaseDirectory);
    }
    public int Width => 0;
    public int Height => 0;
    public double Fps => 0;
    public long? FrameCount => _images.Count;
    public string? FrameName { get; private set; }

    public Mat? Read()
    {
        if (_next >= _images.Count) { FrameName = null; return null; }
        var image = _images[_next++];
        FrameName = image.Name;
        Mat m;
        try { m = Cv2.ImRead(image.Path, ImreadModes.Color); }
        catch (OpenCVException e) { throw new UnreadableFrameException($"{image.Path}: unreadable image skipped ({e.Message})"); }
        if (!m.Empty()) return m;
        m.Dispose();
        throw new UnreadableFrameException(File.Exists(image.Path)
            ? $"{image.Path}: unreadable image skipped (corrupt or not an image)"
            : $"{image.Path}: unreadable image skipped (the file is gone)");
    }

    public bool Skip()
    {
        if (_next >= _images.Count) return false;
        _next++;
        return true;
    }

    public void Dispose() { }
}
