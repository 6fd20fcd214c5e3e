using Microsoft.Extensions.Logging;
using Tood.Realtime.Tracking;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// One stream of a run — one source is a list of one: where its frames come from (a source already open, which the
/// pipeline does not own, or a file/folder/glob/URL/camera the pipeline opens and closes) and its own tracker
/// settings (streams at different frame rates count the tracker's buffer in their own frames).
/// </summary>
public sealed record StreamSpec
{
    /// <summary>An open source (not owned); when null the pipeline opens <see cref="Path"/> or <see cref="Camera"/>.</summary>
    public IFrameSource? Source { get; init; }
    /// <summary>Video file, image file/folder/glob or stream URL (<see cref="FrameSources.Open"/>).</summary>
    public string? Path { get; init; }
    public int? Camera { get; init; }
    /// <summary>How <see cref="Path"/>/<see cref="Camera"/> is opened: realtime replay, reconnects, camera mode.</summary>
    public SourceOptions Input { get; init; } = new();
    /// <summary>This stream's tracker; null = <see cref="VideoPipelineOptions.Tracking"/>.</summary>
    public TrackerOptions? Tracking { get; init; }

    public static StreamSpec Of(IFrameSource source, TrackerOptions? tracking = null) => new() { Source = source, Tracking = tracking };

    public static StreamSpec Open(string pathOrUrl, SourceOptions? input = null) => new() { Path = pathOrUrl, Input = input ?? new() };

    public static StreamSpec ForCamera(int index, SourceOptions? input = null) => new() { Camera = index, Input = input ?? new() };

    public static implicit operator StreamSpec(string pathOrUrl) => Open(pathOrUrl);

    /// <summary>True when the pipeline opens (and so closes) the source.</summary>
    internal bool Owned => Source is null;

    internal IFrameSource OpenSource(FfmpegTool? ffmpeg, ILoggerFactory loggerFactory, CancellationToken ct) =>
        Source ?? FrameSources.Open(Path, Camera, Input, ffmpeg, loggerFactory, ct);

    internal void Validate()
    {
        if (Source is null && Path is null && Camera is null) throw new ArgumentException("a stream needs a Source, a Path or a Camera");
        Input.Validate();
        Tracking?.Validate();
    }
}
