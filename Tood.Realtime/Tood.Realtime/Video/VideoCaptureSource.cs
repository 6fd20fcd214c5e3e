using Microsoft.Extensions.Logging;
using OpenCvSharp;

namespace Tood.Realtime.Video;

/// <summary>
/// OpenCV VideoCapture over a file or a camera index (live). URLs go through <see cref="Ffmpeg.FfmpegFrameSource"/>
/// when ffmpeg is installed (<see cref="FrameSources"/>); OpenCV opens them only as a fallback.
/// A file that stops decoding before its frame count is an error, not the end (<see cref="VideoSourceException"/>).
/// </summary>
public sealed class VideoCaptureSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly bool _file;
    private Mat? _pending; // first frame, decoded at open time to reject unreadable files early
    private long _position; // frames read or skipped so far

    public string Description { get; }
    public string Backend { get; }
    public bool IsLive { get; }
    public int Width { get; }
    public int Height { get; }
    public double Fps { get; }
    public long? FrameCount { get; }

    private VideoCaptureSource(VideoCapture capture, string description, bool live, bool file, Mat first)
    {
        _capture = capture; Description = description; IsLive = live; _file = file; _pending = first;
        Width = first.Width; Height = first.Height;
        Fps = capture.Get(VideoCaptureProperties.Fps);
        double count = live ? 0 : capture.Get(VideoCaptureProperties.FrameCount);
        FrameCount = count > 0 ? (long)count : null;
        string backend;
        try { backend = capture.GetBackendName(); }
        catch (OpenCVException) { backend = "?"; }
        Backend = $"OpenCV {backend}";
    }

    public static bool IsUrl(string source) => source.Contains("://", StringComparison.Ordinal);

    /// <summary>Opens a video file or a stream URL. Throws <see cref="VideoSourceException"/> with one clear line.</summary>
    public static VideoCaptureSource OpenFile(string pathOrUrl)
    {
        bool url = IsUrl(pathOrUrl);
        if (!url && !File.Exists(pathOrUrl)) throw new VideoSourceException($"video not found: {pathOrUrl}");
        var cap = new VideoCapture();
        return Finish(cap, cap.Open(pathOrUrl), pathOrUrl, url, !url,
            url ? $"cannot open stream {pathOrUrl}" : $"cannot open video {pathOrUrl}: not a video file or unsupported codec",
            url ? $"stream {pathOrUrl} delivered no frame" : $"video {pathOrUrl} has no decodable frames (corrupt or empty)");
    }

    /// <summary>Opens camera <paramref name="index"/> in <paramref name="mode"/> and logs the mode it negotiated;
    /// a camera that does not open or deliver a frame is an error.</summary>
    public static VideoCaptureSource OpenCamera(int index, CameraMode? mode = null, ILoggerFactory? loggerFactory = null)
    {
        if (index < 0) throw new VideoSourceException($"camera index must be ≥ 0, got {index}");
        mode ??= new CameraMode();
        var cap = new VideoCapture();
        bool opened;
        try { opened = cap.Open(index, mode.Backend); }
        catch (OpenCVException) { opened = false; }
        if (opened) mode.ApplyTo(cap);
        string backend = mode.Backend == VideoCaptureAPIs.ANY ? "" : $" with backend {mode.BackendName}";
        var source = Finish(cap, opened, $"camera {index}", true, false,
            $"camera {index} could not be opened{backend} (no such device or it is in use{(backend.Length > 0 ? ", or the backend is not available here" : "")})",
            $"camera {index} opened but delivered no frame");
        loggerFactory?.CreateLogger<VideoCaptureSource>().LogInformation("camera {Index}: {Mode}", index, mode.Negotiated(cap, source.Width, source.Height));
        return source;
    }

    private static VideoCaptureSource Finish(VideoCapture cap, bool opened, string description, bool live, bool file, string openError, string readError)
    {
        var first = new Mat();
        try
        {
            if (!opened || !cap.IsOpened()) throw new VideoSourceException(openError);
            bool ok;
            try { ok = cap.Read(first) && !first.Empty(); }
            catch (OpenCVException) { ok = false; }
            if (!ok) throw new VideoSourceException(readError);
            if (first.Type() != MatType.CV_8UC3) throw new VideoSourceException($"{description}: expected 8-bit BGR frames, got {first.Type()}");
            return new VideoCaptureSource(cap, description, live, file, first);
        }
        catch
        {
            first.Dispose();
            cap.Dispose();
            throw;
        }
    }

    public Mat? Read()
    {
        if (_pending is { } p) { _pending = null; _position++; return p; }
        var m = new Mat();
        bool ok;
        try { ok = _capture.Read(m) && !m.Empty(); }
        catch (OpenCVException) { ok = false; }
        if (ok) { _position++; return m; }
        m.Dispose();
        CheckEnd();
        return null;
    }

    public bool Skip()
    {
        if (_pending is { } p) { _pending = null; p.Dispose(); _position++; return true; }
        if (_capture.Grab()) { _position++; return true; }
        CheckEnd();
        return false;
    }

    /// <summary>
    /// The decoder stopped: fine at the end of a file, an error before it. MP4/MOV/AVI store the frame count in
    /// their index (exact); other containers only let OpenCV estimate it from duration × fps, so there a shortfall
    /// of up to a second of frames still counts as the end.
    /// </summary>
    private void CheckEnd()
    {
        if (!_file || FrameCount is not { } total) return;
        long slack = HasFrameIndex(Description) ? 0 : (long)Math.Ceiling(Math.Max(Fps, 1));
        if (_position < total - slack)
            throw new VideoSourceException($"video {Description}: decode failed at frame {_position} of {total} (frames 0-{_position - 1} were read; the file is truncated or corrupt)");
    }

    private static bool HasFrameIndex(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".mp4" or ".m4v" or ".mov" or ".3gp" or ".avi";

    public void Dispose()
    {
        _pending?.Dispose();
        _capture.Dispose();
    }
}
