using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tood.Realtime.Tracking;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// How a <see cref="VideoPipeline"/> runs, grouped by what belongs together: <see cref="Run"/> (batching, stride, mode),
/// <see cref="Render"/> (the overlay and the window), <see cref="Outputs"/> (what is written, per stream) and the default
/// <see cref="Tracking"/> of every stream. The sources themselves are the <see cref="StreamSpec"/>s given to the pipeline.
/// </summary>
public sealed record VideoPipelineOptions
{
    public RunSettings Run { get; init; } = new();
    public RenderSettings Render { get; init; } = new();
    public OutputSettings Outputs { get; init; } = new();
    /// <summary>
    /// ByteTrack after decoding (null = no tracking) for every stream without its own <see cref="StreamSpec.Tracking"/>:
    /// each frame's detections become the tracked ones, with track IDs in every output. Give the detector a score
    /// threshold ≤ <see cref="TrackerOptions.LowThreshold"/> (0.1) so the tracker's second association sees the
    /// low-score boxes (as Ultralytics does for tracking).
    /// </summary>
    public TrackerOptions? Tracking { get; init; }
    public IProgress<PipelineProgress>? Progress { get; init; }
    /// <summary>Logs the run's set-up (warm-up, video I/O), skipped frames, lost streams and reconnects.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        Run.Validate();
        Render.Validate();
        if (Tracking is null && (Outputs.Mot is not null || Render.Trails > 0))
            throw new ArgumentException($"{nameof(OutputSettings.Mot)} and {nameof(RenderSettings.Trails)} need {nameof(Tracking)}", nameof(Tracking));
        Tracking?.Validate();
    }
}

/// <summary>Progress after each frame written.</summary>
public readonly record struct PipelineProgress(long Frames, long? TotalFrames, double Fps, double ElapsedSeconds, long Dropped);
