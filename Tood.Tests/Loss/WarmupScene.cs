using Tood.Train.Loss;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Loss;

/// <summary>
/// The hand-computed ATSS scene of AtssAssignerTests (K = 2; positives a1 → g0, a2 → g1, a3 → g1 with centerness
/// .827170, .827170, .674200) with fixed predicted boxes: a1 (0,0,32,16) (GIoU .5 with g0), a2 = g1 (GIoU 1),
/// a3 (8,0,40,16) (GIoU .5 with g1), the others irrelevant.
/// </summary>
internal static class WarmupScene
{
    public static IReadOnlyList<int> LevelCounts { get; } = [5, 3];

    public static Tensor Points() => Rows(2, 2, 16, 13, 16, 21, 16, 30, 16, 46, 16, 0, 16, 24, 16, 64, 16);

    public static Tensor Strides() => tensor(new float[] { 4, 4, 4, 4, 4, 8, 8, 8 });

    /// <summary>[8,4] predicted boxes in pixels.</summary>
    public static Tensor PredictedBoxes() => Rows(4,
        0, 0, 4, 4,
        0, 0, 32, 16,
        8, 0, 40, 32,
        8, 0, 40, 16,
        0, 0, 4, 4,
        0, 0, 4, 4,
        0, 0, 4, 4,
        0, 0, 4, 4);

    public static GtInstances Gts() => new(Rows(4, 0, 0, 32, 32, 8, 0, 40, 32), Longs(0, 1));
}
