using Tood.Realtime.Sinks;

namespace Tood.Realtime.Video.Ffmpeg;

/// <summary>
/// Writes annotated frames to an .mp4 through an ffmpeg child: raw BGR frames on its stdin, encoded as
/// H.264 (libx264) or HEVC (libx265, tagged hvc1), yuv420p, with the moov atom moved to the front
/// (<c>+faststart</c>, so it plays while downloading). Like <see cref="VideoFileSink"/> it writes to a
/// temporary name and renames on <see cref="Complete"/>, which closes ffmpeg's input and waits until the
/// file is finalised — also after Ctrl+C, a stop signal or an error mid-run.
/// </summary>
public sealed class FfmpegVideoSink : IFrameSink
{
    /// <summary>x264/x265 speed preset. The encoder shares the cores with inference, so a fast preset;
    /// at the default CRF the quality loss against "medium" is a slightly larger file (BENCHMARKS.md §13).</summary>
    public const string Preset = "veryfast";

    private readonly PartialFile _file;
    private readonly FfmpegProcess _process;
    private readonly int _width, _height;
    private bool _done;

    public long FramesWritten { get; private set; }
    public string Path => _file.FinalPath;
    public VideoCodec Codec { get; }

    public FfmpegVideoSink(FfmpegTool ffmpeg, string path, int width, int height, double fps, VideoCodec codec)
    {
        var encoder = codec.Encoder() ?? throw new ArgumentException($"{codec} is not an ffmpeg codec", nameof(codec));
        if (width % 2 != 0 || height % 2 != 0)
            throw new IOException($"--output {path}: {codec.Label()} in yuv420p needs even dimensions, the video is {width}x{height}; use --codec mp4v");
        _file = new PartialFile(path, "--output");
        _width = width; _height = height; Codec = codec;
        var args = new List<string>
        {
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-video_size", $"{width}x{height}",
            "-framerate", FfmpegTool.Rate(fps > 0 && double.IsFinite(fps) ? fps : 30), "-i", "pipe:0",
            "-an", "-c:v", encoder, "-preset", Preset, "-pix_fmt", "yuv420p",
        };
        if (codec == VideoCodec.Hevc) args.AddRange(["-tag:v", "hvc1", "-x265-params", "log-level=error"]);
        args.AddRange(["-movflags", "+faststart", "-f", "mp4", "-y", _file.TempPath]);
        try { _process = ffmpeg.Start(args, $"{codec.Label()} encoder"); }
        catch
        {
            _file.Delete();
            throw;
        }
    }

    public unsafe void Write(in ProcessedFrame frame)
    {
        var m = frame.Image;
        if (m.Width != _width || m.Height != _height)
            throw new InvalidOperationException($"frame {frame.Index} is {m.Width}x{m.Height}, the video is {_width}x{_height}");
        if (!m.IsContinuous()) throw new InvalidOperationException("frame memory is not continuous");
        try
        {
            _process.Input.Write(new ReadOnlySpan<byte>((void*)m.Data, _width * _height * 3));
            _process.Input.Flush();
        }
        catch (IOException e)
        {
            _process.WaitForExit(TimeSpan.FromSeconds(5));
            throw new IOException($"--output {Path}: {(_process.HasExited ? _process.Describe() : $"writing to ffmpeg failed ({e.Message})")}", e);
        }
        FramesWritten++;
    }

    /// <summary>Closes ffmpeg's input, waits until it has written the trailer and moved the moov atom, then renames.</summary>
    public void Complete()
    {
        if (_done) return;
        _done = true;
        try { _process.Input.Close(); }
        catch (IOException) { } // ffmpeg already gone: its exit code says why
        _process.WaitForExit(Timeout.InfiniteTimeSpan);
        int code = _process.ExitCode;
        string failure = _process.Describe();
        _process.Dispose();
        if (FramesWritten == 0) { _file.Delete(); return; } // nothing to keep (ffmpeg may complain about an empty output)
        if (code != 0)
        {
            _file.Delete();
            throw new IOException($"--output {Path}: {failure}");
        }
        _file.Commit();
    }

    public void Abort()
    {
        if (_done) return;
        _done = true;
        _process.Dispose(); // kills it
        _file.Delete();
    }

    public void Dispose()
    {
        if (_done) return;
        try { Complete(); }
        catch (IOException) { } // Dispose after a failure: the error was reported by Complete's caller or is moot
    }
}
