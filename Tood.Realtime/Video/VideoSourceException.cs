namespace Tood.Realtime.Video;

/// <summary>A video file, stream or camera cannot be opened or decoded; the message names it.</summary>
public sealed class VideoSourceException(string message) : Exception(message);
