namespace Tood.Realtime.Video;

/// <summary>How a video source is opened and kept alive (tood-live's input flags).</summary>
public sealed record SourceOptions
{
    /// <summary>
    /// <c>--realtime</c>: replay a file at its own frame rate as if it were a camera (live mode: stale frames are
    /// dropped), so live behaviour can be tried on a file; for a URL, ffmpeg reads it at its native rate (<c>-re</c>).
    /// </summary>
    public bool Realtime { get; init; }
    /// <summary><c>--reconnect N</c>: URL sources reopen up to N times in a row after the stream fails or ends (0 = never).</summary>
    public int Reconnect { get; init; }
    /// <summary>Wait before the first reconnect attempt; doubled for every further failed attempt in a row, up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(0.5);
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(8);
    /// <summary>URL sources: no data for this long fails the stream (ffmpeg <c>-rw_timeout</c>), which then reconnects.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>URL sources: the longest wait for the first frame when opening.</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Camera mode (<c>--width --height --fps --fourcc --backend</c>); only for camera sources.</summary>
    public CameraMode Camera { get; init; } = new();

    /// <exception cref="ArgumentException">an out-of-range value.</exception>
    public void Validate()
    {
        if (Reconnect < 0) throw new ArgumentException($"--reconnect must be ≥ 0, got {Reconnect}");
        if (ReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < ReconnectDelay) throw new ArgumentException("reconnect delays must be positive and max ≥ first");
        if (StallTimeout <= TimeSpan.Zero || OpenTimeout <= TimeSpan.Zero) throw new ArgumentException("stream timeouts must be positive");
        Camera.Validate();
    }
}
