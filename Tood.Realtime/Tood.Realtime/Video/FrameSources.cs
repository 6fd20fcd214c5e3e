using Microsoft.Extensions.Logging;
using Tood.Realtime.Video.Ffmpeg;
using Tood.Realtime.Video.Images;

namespace Tood.Realtime.Video;

/// <summary>
/// Opens tood-live's input: image files (an image, a folder or a glob: <see cref="ImageFileSource"/>), a camera (OpenCV, in the requested <see cref="CameraMode"/>), a file (OpenCV; paced
/// with <see cref="SourceOptions.Realtime"/>), or a URL — through ffmpeg, because OpenCV's bundled FFmpeg
/// has no network support on Linux, reconnecting with <see cref="SourceOptions.Reconnect"/>.
/// </summary>
public static class FrameSources
{
    /// <param name="pathOrUrl">file or URL; ignored when <paramref name="camera"/> is set.</param>
    /// <param name="ffmpeg">the ffmpeg tool (null = not installed: URLs fall back to OpenCV, logged).</param>
    /// <exception cref="VideoSourceException">the source cannot be opened (one clear line).</exception>
    /// <exception cref="ArgumentException">inconsistent options (e.g. camera options for a file).</exception>
    public static IFrameSource Open(string? pathOrUrl, int? camera, SourceOptions options, FfmpegTool? ffmpeg, ILoggerFactory? loggerFactory,
                                    CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (camera is { } index)
        {
            if (options.Realtime) throw new ArgumentException("--realtime replays a file; a camera is live already");
            return VideoCaptureSource.OpenCamera(index, options.Camera, loggerFactory);
        }
        if (pathOrUrl is null) throw new ArgumentException("no source: give a file, a folder, a URL or a camera index");
        if (!options.Camera.IsDefault) throw new ArgumentException("--width/--height/--fps/--fourcc/--backend are camera options; use them with --camera");
        if (ImageInputs.IsImageSource(pathOrUrl))
        {
            if (options.Realtime) throw new ArgumentException("--realtime replays a video at its frame rate; images have none");
            return ImageFileSource.Open(pathOrUrl);
        }
        if (!VideoCaptureSource.IsUrl(pathOrUrl))
        {
            if (options.Reconnect > 0) throw new ArgumentException("--reconnect is for stream URLs; a file is read once");
            var file = VideoCaptureSource.OpenFile(pathOrUrl);
            return options.Realtime ? new PacedFrameSource(file) : file;
        }
        if (ffmpeg is null)
        {
            loggerFactory?.CreateLogger(typeof(FrameSources)).LogWarning(
                "ffmpeg not found on PATH: opening {Source} through OpenCV instead, whose FFmpeg may lack network support (install ffmpeg)", pathOrUrl);
            if (options.Reconnect > 0) throw new ArgumentException("--reconnect needs ffmpeg (not found on PATH)");
            var cv = VideoCaptureSource.OpenFile(pathOrUrl);
            return options.Realtime ? new PacedFrameSource(cv) : cv;
        }
        IFrameSource Connect(CancellationToken ct) => FfmpegFrameSource.Open(ffmpeg, pathOrUrl, options, ct);
        return options.Reconnect > 0 ? new ReconnectingFrameSource(Connect, options, loggerFactory, cancellationToken) : Connect(cancellationToken);
    }

    /// <summary>Opens several files or URLs with the same options (tood-live --source A --source B ...); when one
    /// cannot be opened, those already open are closed and its error (which names it) is thrown.</summary>
    public static IReadOnlyList<IFrameSource> OpenAll(IReadOnlyList<string> pathsOrUrls, SourceOptions options, FfmpegTool? ffmpeg, ILoggerFactory? loggerFactory,
                                                      CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pathsOrUrls);
        var opened = new List<IFrameSource>(pathsOrUrls.Count);
        try
        {
            // --reconnect is for the URLs among them; a file is read once.
            foreach (var s in pathsOrUrls)
                opened.Add(Open(s, null, VideoCaptureSource.IsUrl(s) ? options : options with { Reconnect = 0 }, ffmpeg, loggerFactory, cancellationToken));
            return opened;
        }
        catch
        {
            foreach (var s in opened) s.Dispose();
            throw;
        }
    }

    /// <summary>tood-live <c>--sources FILE</c>: one file or URL per line; blank lines and lines starting with '#' are skipped.</summary>
    /// <exception cref="FileNotFoundException">no such file.</exception>
    /// <exception cref="InvalidDataException">the file lists no source.</exception>
    public static IReadOnlyList<string> ReadList(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!File.Exists(file)) throw new FileNotFoundException($"--sources {file}: file not found", file);
        var list = File.ReadLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        return list.Count > 0 ? list : throw new InvalidDataException($"--sources {file}: no sources in it (one file or URL per line)");
    }
}
