using Microsoft.Extensions.Logging;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video.Ffmpeg;

namespace Tood.Realtime.Video;

/// <summary>Chooses the encoder for <c>--output</c>: H.264/HEVC through ffmpeg, or mp4v through OpenCV.</summary>
public static class VideoOutputs
{
    /// <summary>
    /// Live mode's video rate at most: repeats fill the time between processed frames (<see cref="ConstantRateSink"/>),
    /// and each repeat costs about 60 % of an encoded frame (BENCHMARKS.md §13), so a fast camera must not set the rate —
    /// at 200 fps the encoder became the pipeline's bottleneck (~1 s of repeats per processed frame).
    /// </summary>
    public const double MaxLiveFps = 30;

    /// <summary>
    /// The annotated-video sink for <paramref name="codec"/>; <paramref name="description"/> says what was chosen (for
    /// the log). <paramref name="live"/>: the video plays at real speed at min(<paramref name="fps"/>, <see cref="MaxLiveFps"/>)
    /// (<see cref="ConstantRateSink"/>).
    /// </summary>
    /// <exception cref="FfmpegUnavailableException">H.264/HEVC asked for explicitly, but ffmpeg or its encoder is missing.</exception>
    /// <exception cref="IOException">the output cannot be created.</exception>
    public static IFrameSink Create(string path, int width, int height, double fps, VideoCodec codec, FfmpegTool? ffmpeg, ILoggerFactory? loggerFactory,
                                    out string description, bool live = false)
    {
        if (codec == VideoCodec.Auto)
        {
            string? reason = ffmpeg is null ? "ffmpeg not found on PATH"
                : !ffmpeg.HasEncoder("libx264") ? $"{ffmpeg} has no libx264 encoder"
                : width % 2 != 0 || height % 2 != 0 ? $"H.264 (yuv420p) needs even dimensions, the video is {width}x{height}"
                : null;
            if (reason is not null)
                loggerFactory?.CreateLogger(typeof(VideoOutputs)).LogWarning(
                    "{Reason}: writing {File} as mp4v through OpenCV instead of H.264 (install ffmpeg for video that browsers play)", reason, Path.GetFileName(path));
            codec = reason is null ? VideoCodec.H264 : VideoCodec.Mp4v;
        }
        double rate = live ? Math.Min(fps, MaxLiveFps) : fps;
        string pace = live
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" at a constant {rate:0.##} fps, each processed frame repeated until the next (real speed)")
            : "";
        if (codec == VideoCodec.Mp4v)
        {
            description = "mp4v via OpenCV VideoWriter" + pace;
            return Paced(new VideoFileSink(path, width, height, rate), rate, live);
        }
        var encoder = codec.Encoder()!;
        if (ffmpeg is null)
            throw new FfmpegUnavailableException($"--codec {codec.ToString().ToLowerInvariant()} needs ffmpeg, which is not on PATH (Debian/Ubuntu: apt install ffmpeg); or use --codec mp4v (OpenCV)");
        if (!ffmpeg.HasEncoder(encoder))
            throw new FfmpegUnavailableException($"--codec {codec.ToString().ToLowerInvariant()}: {ffmpeg} ({ffmpeg.Path}) has no {encoder} encoder; use another ffmpeg build or --codec mp4v (OpenCV)");
        description = $"{codec.Label()} ({encoder} {FfmpegVideoSink.Preset}, yuv420p, faststart) via {ffmpeg}{pace}";
        return Paced(new FfmpegVideoSink(ffmpeg, path, width, height, rate, codec), rate, live);
    }

    private static IFrameSink Paced(IFrameSink video, double rate, bool live) => live ? new ConstantRateSink(video, rate) : video;
}
