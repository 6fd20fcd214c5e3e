namespace Tood.Realtime.Video.Ffmpeg;

/// <summary>An output asked for ffmpeg (H.264/HEVC) explicitly, but ffmpeg or its encoder is not installed; the message names the fallback.</summary>
public sealed class FfmpegUnavailableException(string message) : Exception(message);
