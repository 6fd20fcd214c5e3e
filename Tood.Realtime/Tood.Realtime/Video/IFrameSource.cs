using OpenCvSharp;

namespace Tood.Realtime.Video;

/// <summary>
/// A stream of BGR frames. Read blocks until the next frame (the pipeline calls it from its capture thread).
/// A source that cannot deliver a frame it should have (a file that stops decoding before its frame count, a
/// stream that fails) throws <see cref="VideoSourceException"/> rather than returning null.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>For messages: the file, URL or "camera N".</summary>
    string Description { get; }
    /// <summary>Live sources (camera, network stream) produce frames at their own pace: stale frames are dropped.</summary>
    bool IsLive { get; }
    int Width { get; }
    int Height { get; }
    /// <summary>Frames per second as reported by the source (≤ 0 when unknown).</summary>
    double Fps { get; }
    /// <summary>The rate to time frames and write video at: <see cref="Fps"/>, or <see cref="DefaultFps"/> when the source
    /// does not know it (the one fallback).</summary>
    double FrameRate => UsableRate(Fps);
    /// <summary>Named stills (an image folder): each frame is its own picture, at its own size, with no time in a stream.</summary>
    bool IsStills => false;
    /// <summary>Total frames when known (files).</summary>
    long? FrameCount { get; }
    /// <summary>Next frame (caller owns and disposes it) or null at the end of the stream.</summary>
    Mat? Read();
    /// <summary>Skips one frame without decoding it when possible (--vid-stride); false at the end.</summary>
    bool Skip();
    /// <summary>What decodes it, for the log line that states the video I/O choice (e.g. "OpenCV FFMPEG", "ffmpeg 5.1.9").</summary>
    string Backend => "";
    /// <summary>Name of the frame the last <see cref="Read"/> returned, for sources of named stills (image files:
    /// the name relative to the input folder); null for video.</summary>
    string? FrameName => null;
    /// <summary>Times a lost stream was reopened (<see cref="SourceOptions.Reconnect"/>).</summary>
    int Reconnects => 0;
    /// <summary>
    /// Called from another thread when the pipeline stops: a source that can block indefinitely (a silent network
    /// stream) makes a pending <see cref="Read"/> return null at once. Later reads may return null.
    /// </summary>
    void Interrupt() { }

    /// <summary>The sink the annotated frames of this source go to, at <paramref name="path"/>: a video file (the default)
    /// or, for stills, a folder of images. <paramref name="description"/> says what was chosen, for the log.</summary>
    Sinks.IFrameSink OpenAnnotatedOutput(string path, AnnotatedOutput settings, out string description) =>
        settings.OpenVideo(this, path, out description);

    /// <summary>The frame rate assumed when a source reports none (≤ 0 or not finite).</summary>
    const double DefaultFps = 30;

    /// <summary><paramref name="fps"/> when it is a usable frame rate, else <see cref="DefaultFps"/>.</summary>
    static double UsableRate(double fps) => fps > 0 && double.IsFinite(fps) ? fps : DefaultFps;
}
