namespace Tood.Train.Data;

/// <summary>One image of a detection dataset: path, declared size and training targets in source pixels.
/// <see cref="Boxes"/> holds x1,y1,x2,y2 per object (length 4·G), <see cref="Labels"/> the class index per
/// object; crowd boxes are kept apart (ignored in training, used by evaluation).</summary>
public sealed record DatasetImage(long Id, string Path, int Width, int Height, float[] Boxes, int[] Labels, float[] CrowdBoxes)
{
    public int Count => Labels.Length;
}
