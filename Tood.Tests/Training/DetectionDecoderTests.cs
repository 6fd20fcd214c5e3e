using Tood.Train.Data.Augment;
using Tood.Train.Training;
using TorchSharp;
using Xunit;

namespace Tood.Tests.Training;

public class DetectionDecoderTests
{
    [Fact]
    public void Class_aware_nms_threshold_and_letterbox_undo()
    {
        // 4 anchors, 2 classes, one level. Source 200x100 letterboxed to 128: scale 0.64.
        using var scores = torch.tensor(new float[]
        {
            0.9f, 0.0f,   // a0: class 0
            0.8f, 0.7f,   // a1: overlaps a0 (IoU 0.81): suppressed for class 0, kept for class 1
            0.04f, 0.0f,  // a2: below the 0.05 threshold
            0.6f, 0.0f,   // a3: far away, kept
        }, [4, 2]);
        using var boxes = torch.tensor(new float[]
        {
            10, 10, 50, 50,
            12, 12, 52, 52,
            0, 0, 10, 10,
            60, 30, 140, 70, // x2 beyond the resized width 128 → clipped to 128
        }, [4, 4]);
        var p = Placement.Plan(200, 100, 128, AugmentParams.None);
        var dets = new DetectionDecoder().Decode(scores, boxes, [4], p, 200, 100);
        Assert.Equal(3, dets.Count);
        Assert.Equal((0, 0.9f), (dets[0].ClassIndex, dets[0].Score));
        Assert.Equal((1, 0.7f), (dets[1].ClassIndex, dets[1].Score));
        Assert.Equal((0, 0.6f), (dets[2].ClassIndex, dets[2].Score));
        Assert.Equal(10 / 0.64f, dets[0].X1, 3);
        Assert.Equal(50 / 0.64f, dets[0].Y2, 3);
        Assert.Equal(200f, dets[2].X2, 3); // 128 / 0.64
        Assert.Equal(30 / 0.64f, dets[2].Y1, 3);
    }

    [Fact]
    public void Keeps_at_most_max_per_image_and_top_k_per_level()
    {
        int n = 50;
        var s = new float[n];
        var b = new float[n * 4];
        for (int i = 0; i < n; i++) { s[i] = 0.1f + i / 100f; b[4 * i] = 2 * i; b[4 * i + 1] = 0; b[4 * i + 2] = 2 * i + 1; b[4 * i + 3] = 1; }
        using var scores = torch.tensor(s, [n, 1]);
        using var boxes = torch.tensor(b, [n, 4]);
        var p = Placement.Plan(128, 128, 128, AugmentParams.None);
        var dets = new DetectionDecoder(PreNmsPerLevel: 20, MaxPerImage: 10).Decode(scores, boxes, [30, 20], p, 128, 128);
        Assert.Equal(10, dets.Count);
        Assert.Equal(s[49], dets[0].Score); // best overall
        Assert.True(dets.Zip(dets.Skip(1)).All(t => t.First.Score >= t.Second.Score));
    }
}
