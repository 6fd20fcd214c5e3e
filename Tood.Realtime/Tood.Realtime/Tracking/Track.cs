namespace Tood.Realtime.Tracking;

internal enum TrackState { Tracked, Lost, Removed }

/// <summary>One object's track (ByteTrack's STrack): Kalman state, lifecycle and the detection it matched this frame.
/// Instances are recycled by the tracker once removed.</summary>
internal sealed class Track
{
    public int Id;
    public TrackState State;
    /// <summary>Confirmed: matched in two consecutive frames (or born in the first frame). Only confirmed tracks are reported.</summary>
    public bool Activated;
    public KalmanState Kalman;
    public float Score;
    public int ClassId;
    /// <summary>Last frame it was matched in, first frame, and frames matched since (re)activation.</summary>
    public int FrameId, StartFrame, TrackletLength;
    /// <summary>Index of this frame's matched detection (valid when <see cref="FrameId"/> is the current frame).</summary>
    public int Detection;
    /// <summary>Scratch flag of the duplicate check.</summary>
    public bool Drop;

    public void Start(int id, in Xyah box, float score, int classId, int frame, int detection, bool activated)
    {
        Id = id;
        Kalman = KalmanBoxFilter.Initiate(box);
        State = TrackState.Tracked;
        Activated = activated;
        Score = score; ClassId = classId;
        FrameId = StartFrame = frame;
        TrackletLength = 0;
        Detection = detection;
        Drop = false;
    }

    /// <summary>Matched this frame: a tracked track continues its tracklet, a lost one is re-found (tracklet restarts), an unconfirmed one is confirmed.</summary>
    public void Match(in Xyah box, float score, int classId, int frame, int detection)
    {
        KalmanBoxFilter.Update(ref Kalman, box);
        TrackletLength = State == TrackState.Tracked ? TrackletLength + 1 : 0;
        State = TrackState.Tracked;
        Activated = true;
        Score = score; ClassId = classId;
        FrameId = frame;
        Detection = detection;
    }

    /// <summary>Frames since the track started, the age used to settle duplicates.</summary>
    public int Age => FrameId - StartFrame;
}
