namespace Tood.Realtime.Postprocess;

/// <summary>One detected object: corners in source-image pixels (x1,y1,x2,y2), score in [0,1], class index and
/// name, and the ID of the track it belongs to when a tracker ran (null otherwise).</summary>
public readonly record struct Detection(float X1, float Y1, float X2, float Y2, float Score, int ClassId, string ClassName, int? TrackId = null)
{
    public float Width => X2 - X1;
    public float Height => Y2 - Y1;
}
