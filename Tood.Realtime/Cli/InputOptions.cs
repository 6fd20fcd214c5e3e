using Tood.Realtime.Video;

namespace Tood.Realtime.Cli;

/// <summary>tood-live's input flags — <c>--realtime --reconnect N</c> and the camera's <c>--width --height --fps --fourcc --backend</c> — as <see cref="SourceOptions"/>.</summary>
internal static class InputOptions
{
    private static readonly string[] CameraFlags = ["width", "height", "fps", "fourcc", "backend"];

    public static SourceOptions Parse(ArgParser p, bool camera, string? source)
    {
        bool realtime = p.Flag("realtime");
        int reconnect = p.Int("reconnect", 0);
        if (reconnect < 0) throw new UsageException($"--reconnect must be ≥ 0, got {reconnect}");
        if (realtime && camera) throw new UsageException("--realtime replays a file as if it were a camera; a camera is live already");
        if (reconnect > 0 && (source is null || !VideoCaptureSource.IsUrl(source)))
            throw new UsageException("--reconnect is for stream URLs (rtsp://, http://, udp://, ...); a file or camera is not reconnected");
        var given = CameraFlags.Where(p.Has).ToList();
        if (given.Count > 0 && !camera) throw new UsageException($"--{given[0]} is a camera option; use it with --camera");
        CameraMode mode;
        try
        {
            int? width = p.Has("width") ? p.Int("width", 0) : null, height = p.Has("height") ? p.Int("height", 0) : null;
            double? fps = p.Has("fps") ? p.Double("fps", 0) : null;
            mode = new CameraMode
            {
                Width = width, Height = height, Fps = fps, FourCC = p.String("fourcc"),
                Backend = CameraMode.ParseBackend(p.String("backend", "any")!),
            };
            mode.Validate();
        }
        catch (Exception e) when (e is FormatException or ArgumentException) { throw new UsageException(e.Message); }
        return new SourceOptions { Realtime = realtime, Reconnect = reconnect, Camera = mode };
    }
}
