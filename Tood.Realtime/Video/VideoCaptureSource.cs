using OpenCvSharp;

namespace Tood.Realtime.Video;

/// <summary>OpenCV VideoCapture over a file, a URL (rtsp/http: live) or a camera index (live).</summary>
public sealed class VideoCaptureSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private Mat? _pending; // first frame, decoded at open time to reject unreadable files early

    public string Description { get; }
    public bool IsLive { get; }
    public int Width { get; }
    public int Height { get; }
    public double Fps { get; }
    public long? FrameCount { get; }

    private VideoCaptureSource(VideoCapture capture, string description, bool live, Mat first)
    {
        _capture = capture; Description = description; IsLive = live; _pending = first;
        Width = first.Width; Height = first.Height;
        Fps = capture.Get(VideoCaptureProperties.Fps);
        double count = live ? 0 : capture.Get(VideoCaptureProperties.FrameCount);
        FrameCount = count > 0 ? (long)count : null;
    }

    public static bool IsUrl(string source) => source.Contains("://", StringComparison.Ordinal);

    /// <summary>Opens a video file or a stream URL. Throws <see cref="VideoSourceException"/> with one clear line.</summary>
    public static VideoCaptureSource OpenFile(string pathOrUrl)
    {
        bool url = IsUrl(pathOrUrl);
        if (!url && !File.Exists(pathOrUrl)) throw new VideoSourceException($"video not found: {pathOrUrl}");
        var cap = new VideoCapture();
        return Finish(cap, cap.Open(pathOrUrl), pathOrUrl, url,
            url ? $"cannot open stream {pathOrUrl}" : $"cannot open video {pathOrUrl}: not a video file or unsupported codec",
            url ? $"stream {pathOrUrl} delivered no frame" : $"video {pathOrUrl} has no decodable frames (corrupt or empty)");
    }

    /// <summary>Opens camera <paramref name="index"/>; a camera that does not open or deliver a frame is an error.</summary>
    public static VideoCaptureSource OpenCamera(int index)
    {
        if (index < 0) throw new VideoSourceException($"camera index must be ≥ 0, got {index}");
        var cap = new VideoCapture();
        bool opened;
        try { opened = cap.Open(index); }
        catch (OpenCVException) { opened = false; }
        return Finish(cap, opened, $"camera {index}", true,
            $"camera {index} could not be opened (no such device or it is in use)", $"camera {index} opened but delivered no frame");
    }

    private static VideoCaptureSource Finish(VideoCapture cap, bool opened, string description, bool live, string openError, string readError)
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
            return new VideoCaptureSource(cap, description, live, first);
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
        if (_pending is { } p) { _pending = null; return p; }
        var m = new Mat();
        if (_capture.Read(m) && !m.Empty()) return m;
        m.Dispose();
        return null;
    }

    public bool Skip()
    {
        if (_pending is { } p) { _pending = null; p.Dispose(); return true; }
        return _capture.Grab();
    }

    public void Dispose()
    {
        _pending?.Dispose();
        _capture.Dispose();
    }
}
