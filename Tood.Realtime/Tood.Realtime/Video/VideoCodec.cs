namespace Tood.Realtime.Video;

/// <summary>Codec of the annotated output video (<c>--codec</c>).</summary>
public enum VideoCodec
{
    /// <summary>H.264 through ffmpeg when it is installed with libx264, else mp4v through OpenCV (logged).</summary>
    Auto,
    /// <summary>H.264 (libx264), yuv420p, moov first: plays in browsers and every common player.</summary>
    H264,
    /// <summary>HEVC (libx265, tagged hvc1), yuv420p, moov first: smaller files, fewer players.</summary>
    Hevc,
    /// <summary>MPEG-4 Part 2 through OpenCV's VideoWriter (no ffmpeg needed; many players and browsers refuse it).</summary>
    Mp4v,
}

/// <summary>Parsing and the ffmpeg encoder behind each codec.</summary>
public static class VideoCodecs
{
    public const string Names = "auto|h264|hevc|mp4v";

    /// <exception cref="FormatException">not one of <see cref="Names"/>.</exception>
    public static VideoCodec Parse(string name) => name.ToLowerInvariant() switch
    {
        "auto" => VideoCodec.Auto,
        "h264" or "avc" => VideoCodec.H264,
        "hevc" or "h265" => VideoCodec.Hevc,
        "mp4v" => VideoCodec.Mp4v,
        _ => throw new FormatException($"--codec must be {Names}, got '{name}'"),
    };

    /// <summary>ffmpeg encoder name; null for <see cref="VideoCodec.Mp4v"/> (OpenCV).</summary>
    public static string? Encoder(this VideoCodec codec) => codec switch
    {
        VideoCodec.H264 => "libx264",
        VideoCodec.Hevc => "libx265",
        _ => null,
    };

    public static string Label(this VideoCodec codec) => codec switch
    {
        VideoCodec.H264 => "H.264",
        VideoCodec.Hevc => "HEVC",
        VideoCodec.Mp4v => "mp4v",
        _ => "auto",
    };
}
