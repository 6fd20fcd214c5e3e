namespace Tood.Realtime.Mot;

/// <summary>
/// One row of a MOT Challenge text file: 1-based frame, object/track ID, box (left, top, width, height, pixels)
/// and the three columns whose meaning depends on the file: in ground truth (gt.txt) the "consider" flag
/// (0 = ignore this box), class and visibility; in tracker results the confidence and −1, −1.
/// </summary>
public readonly record struct MotRecord(int Frame, int Id, float Left, float Top, float Width, float Height,
    float Confidence = 1, int ClassId = -1, float Visibility = -1)
{
    public float Right => Left + Width;
    public float Bottom => Top + Height;

    /// <summary>Ground truth flagged 0 in the 7th column is not scored (MOT Challenge convention).</summary>
    public bool Ignored => Confidence == 0;
}
