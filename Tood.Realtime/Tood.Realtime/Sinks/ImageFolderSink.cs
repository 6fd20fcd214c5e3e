using OpenCvSharp;

namespace Tood.Realtime.Sinks;

/// <summary>
/// <c>--output DIR</c> for image input: each annotated image written under its own name (<see cref="ProcessedFrame.Name"/>,
/// subfolders of a <c>**</c> pattern kept) in the format of its extension, at its own size. Each file is written under
/// a <see cref="PartialFile"/> name and renamed when complete, so a failed run leaves no half-written image. The folder
/// is created if missing; it must not be the input folder (the annotated images would replace the originals).
/// </summary>
public sealed class ImageFolderSink : IFrameSink
{
    private readonly string _dir;

    public ImageFolderSink(string dir, string inputDirectory)
    {
        _dir = Path.GetFullPath(dir);
        if (File.Exists(_dir)) throw new IOException($"--output {dir}: is a file; image input writes its annotated images to a folder");
        if (string.Equals(Path.TrimEndingDirectorySeparator(_dir), Path.TrimEndingDirectorySeparator(Path.GetFullPath(inputDirectory)), StringComparison.Ordinal))
            throw new IOException($"--output {dir}: is the input folder; the annotated images would replace the originals");
        try { Directory.CreateDirectory(_dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new IOException($"--output {dir}: cannot create the folder ({e.Message})", e); }
    }

    public long ImagesWritten { get; private set; }

    public void Write(in ProcessedFrame frame)
    {
        var name = frame.Name ?? throw new InvalidOperationException($"frame {frame.Index} has no image name (--output DIR is for image input)");
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var file = new PartialFile(path, "--output");
        bool ok;
        try { ok = Cv2.ImWrite(file.TempPath, frame.Image); }
        catch (OpenCVException) { ok = false; }
        if (!ok)
        {
            file.Delete();
            throw new IOException($"--output: cannot write {path} (OpenCV has no encoder for {Path.GetExtension(path)} or the disk is full)");
        }
        file.Commit();
        ImagesWritten++;
    }

    public void Complete() { }
    public void Abort() { }
    public void Dispose() { }
}
