using Microsoft.Extensions.Logging;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video.Ffmpeg;

namespace Tood.Realtime.Video;

/// <summary>How a source's annotated output (<see cref="IFrameSource.OpenAnnotatedOutput"/>) is written: the video
/// encoder choice, the stride the frame rate is divided by, and live pacing.</summary>
public sealed record AnnotatedOutput(VideoCodec Codec, FfmpegTool? Ffmpeg, int VidStride, bool Live, ILoggerFactory? LoggerFactory)
{
    /// <summary>A video source's annotated output: an mp4 at the source's size and frame rate ÷ stride.</summary>
    internal IFrameSink OpenVideo(IFrameSource source, string path, out string description)
    {
        var sink = VideoOutputs.Create(path, source.Width, source.Height, source.FrameRate / VidStride, Codec, Ffmpeg, LoggerFactory, out var how, Live);
        description = $"writing {Path.GetFileName(path)} as {how}";
        return sink;
    }
}
