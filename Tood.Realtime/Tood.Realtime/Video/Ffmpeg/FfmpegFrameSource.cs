using System.Globalization;
using OpenCvSharp;

namespace Tood.Realtime.Video.Ffmpeg;

/// <summary>
/// Frames decoded by an ffmpeg child process: network streams (rtsp, rtsps, http, https, udp, tcp, srt, ...),
/// read from its stdout as Y4M (<see cref="Y4mReader"/>). A stream that stops delivering data for
/// <see cref="SourceOptions.StallTimeout"/> fails (see <see cref="TimeoutOption"/>); a failure is a
/// <see cref="VideoSourceException"/>, a clean end of the stream the end of the frames.
/// </summary>
public sealed class FfmpegFrameSource : IFrameSource
{
    private readonly FfmpegProcess _process;
    private readonly Y4mReader _reader;
    private readonly double _stallSeconds;
    private long _frames;
    private volatile bool _interrupted;

    public string Description { get; }
    public string Backend { get; }
    public bool IsLive => true;
    public int Width => _reader.Width;
    public int Height => _reader.Height;
    public double Fps => _reader.Fps;
    public long? FrameCount => null;

    private FfmpegFrameSource(FfmpegProcess process, Y4mReader reader, string url, string backend, double stallSeconds)
    {
        _process = process; _reader = reader; Description = url; Backend = backend; _stallSeconds = stallSeconds;
    }

    /// <summary>Starts ffmpeg on <paramref name="url"/> and waits for the first frame's header.</summary>
    /// <exception cref="VideoSourceException">ffmpeg cannot open the stream, or no video arrives within the open timeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting.</exception>
    public static FfmpegFrameSource Open(FfmpegTool ffmpeg, string url, SourceOptions options, CancellationToken cancellationToken = default)
    {
        var args = new List<string> { "-nostdin" };
        if (TimeoutOption(url, ffmpeg.MajorVersion) is { } timeout) args.AddRange([timeout, Micros(options.StallTimeout)]);
        if (options.Realtime) args.Add("-re");
        // yuv420p Y4M needs even dimensions: an odd source loses its last row/column (crop is free when even).
        args.AddRange(["-i", url, "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", "crop=trunc(iw/2)*2:trunc(ih/2)*2",
                       "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", "pipe:1"]);
        var process = ffmpeg.Start(args, "stream decoder");
        try
        {
            process.Input.Close();
            var header = Task.Run(() => Y4mReader.Open(process.Output));
            if (!header.Wait(options.OpenTimeout, cancellationToken))
                throw new VideoSourceException($"cannot open stream {url}: no video within {options.OpenTimeout.TotalSeconds:0.#} s");
            var reader = header.GetAwaiter().GetResult();
            if (reader is null)
            {
                process.WaitForExit(TimeSpan.FromSeconds(5));
                string why = process.ErrorFor(url) ?? process.LastError;
                throw new VideoSourceException($"cannot open stream {url}{(why.Length > 0 ? $": {why}" : " (ffmpeg delivered no frame)")}");
            }
            return new FfmpegFrameSource(process, reader, url, $"ffmpeg {ffmpeg.Version}", options.StallTimeout.TotalSeconds);
        }
        catch (InvalidDataException e)
        {
            process.Dispose();
            throw new VideoSourceException($"stream {url}: {e.Message}");
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// ffmpeg's option for "no data for this long is an error" (microseconds), which differs by protocol: the
    /// protocol's own <c>-timeout</c> where it means the socket I/O timeout (udp, tcp, http(s), srt, rtp, and
    /// rtsp(s) from ffmpeg 5 on; 4.x called that <c>-stimeout</c>), else the generic <c>-rw_timeout</c> (for rtmp,
    /// <c>-timeout</c> is a listen timeout). Probed on loopback with ffmpeg 5.1: without the udp option, a udp
    /// input read nothing at all after probing; with it, the stream is read and a stall ends it. Null for local paths.
    /// </summary>
    internal static string? TimeoutOption(string url, int ffmpegMajor)
    {
        int colon = url.IndexOf("://", StringComparison.Ordinal);
        if (colon <= 0) return null;
        return url[..colon].ToLowerInvariant() switch
        {
            "file" or "pipe" => null,
            "udp" or "tcp" or "http" or "https" or "srt" or "rtp" => "-timeout",
            "rtsp" or "rtsps" => ffmpegMajor >= 5 ? "-timeout" : "-stimeout",
            _ => "-rw_timeout",
        };
    }

    private static string Micros(TimeSpan t) => ((long)(t.TotalMilliseconds * 1000)).ToString(CultureInfo.InvariantCulture);

    public Mat? Read()
    {
        Mat? frame;
        try { frame = _reader.Read(); }
        catch (InvalidDataException e) { throw new VideoSourceException($"stream {Description}: {e.Message}"); }
        catch (IOException) when (_interrupted) { return null; }
        if (frame is not null) { _frames++; return frame; }
        End();
        return null;
    }

    public bool Skip()
    {
        bool ok;
        try { ok = _reader.Skip(); }
        catch (IOException) when (_interrupted) { return false; }
        if (ok) { _frames++; return true; }
        End();
        return false;
    }

    /// <summary>
    /// End of ffmpeg's output. A clean end (the sender closed the stream) returns; a failure throws: an error
    /// exit, or a read error on the input — which ffmpeg reports as "URL: error" and then treats as the end, exit
    /// code 0 (a udp stall: "udp://...: Input/output error").
    /// </summary>
    private void End()
    {
        if (_interrupted) return;
        _process.WaitForExit(TimeSpan.FromSeconds(10));
        string? why = !_process.HasExited ? "ffmpeg closed its output but did not exit"
            : _process.ExitCode != 0 ? _process.Describe()
            : _process.ErrorFor(Description) is { } inputError ? $"{inputError} (no data for {_stallSeconds:0.#} s, or the connection was lost)"
            : null;
        if (why is not null) throw new VideoSourceException($"stream {Description} failed after {_frames} frames: {why}");
    }

    /// <summary>Stops ffmpeg so a Read blocked on a silent stream returns (null) at once.</summary>
    public void Interrupt()
    {
        _interrupted = true;
        _process.Kill();
    }

    public void Dispose()
    {
        _interrupted = true;
        _process.Dispose();
        _reader.Dispose();
    }
}
