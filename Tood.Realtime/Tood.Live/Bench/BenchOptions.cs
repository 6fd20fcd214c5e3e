using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tood.Realtime.Inference;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;

namespace Tood.Live.Bench;

/// <summary>What <c>tood-live bench</c> measures: one model (or, compared, each of several), one video, one batch size.</summary>
public sealed record BenchOptions
{
    public required string Model { get; init; }
    public required string Source { get; init; }
    public int Batch { get; init; } = 1;
    /// <summary>Frames per mode (the raw session run uses the same number of images).</summary>
    public int Frames { get; init; } = 100;
    public DeviceSpec Device { get; init; } = DeviceSpec.Cpu;
    /// <summary>CPU provider threading of the pipeline (and the raw mode measured with it): tood-live's file-mode defaults.</summary>
    public CpuThreading Cpu { get; init; } = CpuThreading.ForMode(live: false);
    /// <summary>Encoder of the pipeline's and the naive loop's mp4 (tood-live's default: H.264 through ffmpeg when installed).</summary>
    public VideoCodec Codec { get; init; } = VideoCodec.Auto;
    public FfmpegTool? Ffmpeg { get; init; } = FfmpegTool.Find();
    /// <summary>Skip the OpenCV DNN attempt.</summary>
    public bool SkipOpenCvDnn { get; init; }
    /// <summary>Comparisons (several models): interleaved rounds per mode, reported as medians.</summary>
    public int Rounds { get; init; } = 3;
    /// <summary>Logs each mode as it starts, and the library's messages.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
