using OpenCvSharp;
using Tood.Realtime.Sinks;

namespace Tood.Realtime.Video;

/// <summary>
/// Writes annotated frames to an .mp4 (FOURCC mp4v) at the source size. Writes go to a temporary file that
/// is released (so the container is finalised and plays) and renamed on <see cref="Complete"/> — also after
/// Ctrl+C or an error mid-run.
/// </summary>
public sealed class VideoFileSink : IFrameSink
{
    private readonly PartialFile _file;
    private readonly VideoWriter _writer;
    private readonly Size _size;
    private bool _done;
    public long FramesWritten { get; private set; }
    public string Path => _file.FinalPath;

    public VideoFileSink(string path, int width, int height, double fps)
    {
        _file = new PartialFile(path, "--output");
        _size = new Size(width, height);
        _writer = new VideoWriter(_file.TempPath, FourCC.FromFourChars('m', 'p', '4', 'v'), fps > 0 && double.IsFinite(fps) ? fps : 30, _size);
        if (!_writer.IsOpened())
        {
            _writer.Dispose();
            _file.Delete();
            throw new IOException($"--output {path}: cannot create an mp4v video there (OpenCV VideoWriter did not open)");
        }
    }

    public void Write(in ProcessedFrame frame)
    {
        if (frame.Image.Width != _size.Width || frame.Image.Height != _size.Height)
            throw new InvalidOperationException($"frame {frame.Index} is {frame.Image.Width}×{frame.Image.Height}, the video is {_size.Width}×{_size.Height}");
        _writer.Write(frame.Image);
        FramesWritten++;
    }

    public void Complete()
    {
        if (_done) return;
        _done = true;
        _writer.Release();
        _writer.Dispose();
        if (FramesWritten > 0) _file.Commit(); else _file.Delete();
    }

    public void Abort()
    {
        if (_done) return;
        _done = true;
        _writer.Release();
        _writer.Dispose();
        _file.Delete();
    }

    public void Dispose() => Complete();
}
