namespace Tood.Realtime.Tracking;

/// <summary>
/// ByteTrack settings; defaults are the reference's (track_thresh 0.5, match_thresh 0.8, track_buffer 30,
/// low-score floor 0.1, new tracks above track_thresh + 0.1, score-fused IoU cost as for MOT17).
/// </summary>
public sealed record TrackerOptions
{
    /// <summary>Detections scoring at least this take part in the first association and may start tracks.</summary>
    public float HighThreshold { get; init; } = 0.5f;
    /// <summary>Detections in [Low, High) are only used to continue tracks (second association); below Low they are ignored.
    /// The detector's score threshold must be at most this for the second stage to see anything.</summary>
    public float LowThreshold { get; init; } = 0.1f;
    /// <summary>An unmatched high detection starts a track only when it scores at least this.</summary>
    public float NewTrackThreshold { get; init; } = 0.6f;
    /// <summary>First association: largest cost (1 − IoU, or 1 − IoU·score when <see cref="FuseScore"/>) that may match.</summary>
    public float MatchThreshold { get; init; } = 0.8f;
    /// <summary>Second association (tracks left over × low detections): largest 1 − IoU that may match.</summary>
    public float LowMatchThreshold { get; init; } = 0.5f;
    /// <summary>Tracks seen in one frame only (unconfirmed) × remaining high detections: largest cost that may match.</summary>
    public float UnconfirmedMatchThreshold { get; init; } = 0.7f;
    /// <summary>Frames a lost track is kept for re-identification before it is dropped (reference: 30 at 30 fps).</summary>
    public int TrackBuffer { get; init; } = 30;
    /// <summary>Multiply IoU by the detection score in the first and unconfirmed associations (reference default, off for MOT20).</summary>
    public bool FuseScore { get; init; } = true;
    /// <summary>
    /// Only match a track with detections of the class it was last seen as. Off by default, like the reference
    /// (which ignores classes): a detector's class flickers between similar classes far more often than an
    /// object's box jumps, and a class-aware match turns every flicker into a lost track plus a new ID.
    /// </summary>
    public bool ClassAware { get; init; }
    /// <summary>A tracked and a lost track overlapping above this IoU are duplicates; the younger is dropped.</summary>
    public float DuplicateIou { get; init; } = 0.85f;

    /// <summary>The reference's rule: the buffer is given for 30 fps and scaled to the video's rate (truncated).</summary>
    public TrackerOptions WithBufferFor(double fps, int framesAt30 = 30)
    {
        if (!(fps > 0) || double.IsInfinity(fps)) throw new ArgumentOutOfRangeException(nameof(fps), fps, "frame rate must be positive");
        ArgumentOutOfRangeException.ThrowIfNegative(framesAt30);
        return this with { TrackBuffer = (int)(fps / 30.0 * framesAt30) };
    }

    public void Validate()
    {
        static void Unit(float v, string name)
        {
            if (!(v >= 0 && v <= 1)) throw new ArgumentOutOfRangeException(name, v, $"{name} must be in [0,1]");
        }
        Unit(HighThreshold, nameof(HighThreshold));
        Unit(LowThreshold, nameof(LowThreshold));
        Unit(NewTrackThreshold, nameof(NewTrackThreshold));
        Unit(MatchThreshold, nameof(MatchThreshold));
        Unit(LowMatchThreshold, nameof(LowMatchThreshold));
        Unit(UnconfirmedMatchThreshold, nameof(UnconfirmedMatchThreshold));
        Unit(DuplicateIou, nameof(DuplicateIou));
        if (LowThreshold > HighThreshold) throw new ArgumentOutOfRangeException(nameof(LowThreshold), LowThreshold, "LowThreshold must not exceed HighThreshold");
        if (TrackBuffer < 0) throw new ArgumentOutOfRangeException(nameof(TrackBuffer), TrackBuffer, "--track-buffer must be ≥ 0");
    }
}
