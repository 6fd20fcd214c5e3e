using Tood.Realtime.Pipeline;

namespace Tood.Realtime.Video;

/// <summary>A video file, stream or camera cannot be opened or decoded; the message names it.</summary>
public sealed class VideoSourceException(string message) : Exception(message)
{
    /// <summary>Set when the source failed mid-run: what the pipeline did up to the failure (its outputs were finalised).</summary>
    public RunSummary? Summary { get; init; }
}
