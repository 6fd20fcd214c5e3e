using Tood.Realtime.Tracking;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;

namespace Tood.Realtime.Pipeline;

/// <summary>What a <see cref="VideoPipeline"/> reads, where it writes, and how it batches.</summary>
public sealed record VideoPipelineOptions
{
    /// <summary>Video file or stream URL; ignored when <see cref="CameraIndex"/> is set or a source is passed in.</summary>
    public string? Source { get; init; }
    /// <summary>Several files or URLs processed together (one model session; per-stream outputs, see <see cref="StreamOutputs"/>);
    /// overrides <see cref="Source"/>.</summary>
    public IReadOnlyList<string>? Sources { get; init; }
    public int? CameraIndex { get; init; }
    /// <summary>How the source is opened: --realtime, --reconnect, camera mode (used when the pipeline opens it).</summary>
    public SourceOptions Input { get; init; } = new();
    /// <summary>Annotated .mp4 at the source size; for image input (<see cref="Video.Images.ImageFileSource"/>) the folder
    /// the annotated images are written to under their own names; null = none.</summary>
    public string? OutputVideo { get; init; }
    /// <summary>Codec of <see cref="OutputVideo"/>: H.264 through ffmpeg by default, mp4v through OpenCV without ffmpeg.</summary>
    public VideoCodec Codec { get; init; } = VideoCodec.Auto;
    /// <summary>The ffmpeg tool for network sources and H.264/HEVC output; null = not installed (OpenCV fallbacks, logged).</summary>
    public FfmpegTool? Ffmpeg { get; init; } = FfmpegTool.Find();
    public bool Show { get; init; }
    public string? JsonlPath { get; init; }
    public string? CsvPath { get; init; }
    /// <summary>COCO results JSON (<see cref="Sinks.CocoResultsSink"/>); null = none.</summary>
    public string? CocoPath { get; init; }
    /// <summary>The ids <see cref="CocoPath"/> is written with; null = <see cref="Sinks.CocoResultIds.FileOrder"/>.</summary>
    public Sinks.CocoResultIds? CocoIds { get; init; }
    /// <summary>
    /// ByteTrack after decoding (null = no tracking): each frame's detections become the tracked ones, with track
    /// IDs in every output. Give the detector a score threshold ≤ <see cref="TrackerOptions.LowThreshold"/> (0.1)
    /// so the tracker's second association sees the low-score boxes (as Ultralytics does for tracking).
    /// </summary>
    public TrackerOptions? Tracking { get; init; }
    /// <summary>Several sources at different frame rates: stream k's tracker settings (the buffer is counted in frames);
    /// null = <see cref="Tracking"/> for every stream.</summary>
    public IReadOnlyList<TrackerOptions>? StreamTracking { get; init; }
    /// <summary>MOT Challenge results file (needs <see cref="Tracking"/>); null = none.</summary>
    public string? MotPath { get; init; }
    /// <summary>Trail of the last N box centres per track on the overlay (0 = none, else ≥ 2).</summary>
    public int Trails { get; init; }
    /// <summary>Images per model run (≤ the detector's MaxBatch).</summary>
    public int Batch { get; init; } = 1;
    /// <summary>Process every K-th frame (like YOLO's vid_stride); the output video keeps its duration (fps / K).</summary>
    public int VidStride { get; init; } = 1;
    /// <summary>Box line width in pixels; 0 = automatic.</summary>
    public int LineWidth { get; init; }
    /// <summary>Live mode: capture never waits, and a run takes the newest frame when it starts (older ones are dropped
    /// and counted). Null = from the source (camera, URL and --realtime are live, a file is not).</summary>
    public bool? Live { get; init; }
    /// <summary>Bounded channel capacity between stages in file mode (live mode uses 1).</summary>
    public int QueueCapacity { get; init; } = 4;
    /// <summary>Draw the FPS/latency status line on the frames every sink gets (saved video included). Off: only the
    /// <see cref="Show"/> window draws it, on its own copy.</summary>
    public bool DrawStatus { get; init; }
    public IProgress<PipelineProgress>? Progress { get; init; }
    public Action<string>? Log { get; init; }

    internal void Validate()
    {
        if (Batch <= 0) throw new ArgumentOutOfRangeException(nameof(Batch), "--batch must be ≥ 1");
        if (VidStride <= 0) throw new ArgumentOutOfRangeException(nameof(VidStride), "--vid-stride must be ≥ 1");
        if (LineWidth < 0) throw new ArgumentOutOfRangeException(nameof(LineWidth), "--line-width must be ≥ 0");
        if (QueueCapacity <= 0) throw new ArgumentOutOfRangeException(nameof(QueueCapacity), "queue capacity must be ≥ 1");
        if (Trails is < 0 or 1) throw new ArgumentOutOfRangeException(nameof(Trails), "--trails must be 0 or ≥ 2");
        if (Tracking is null && (MotPath is not null || Trails > 0)) throw new ArgumentException("--save-mot and --trails need --track", nameof(Tracking));
        Tracking?.Validate();
        if (StreamTracking is not null && Tracking is null) throw new ArgumentException("StreamTracking needs Tracking", nameof(StreamTracking));
        foreach (var t in StreamTracking ?? []) t.Validate();
        Input.Validate();
    }
}

/// <summary>Progress after each rendered frame.</summary>
public readonly record struct PipelineProgress(long Frames, long? TotalFrames, double Fps, double ElapsedSeconds, long Dropped);
