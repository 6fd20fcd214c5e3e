using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Train.Data.Augment;
using Xunit;

namespace Tood.Tests.Data;

public class AugmentTests
{
    private static (List<float> Boxes, List<int> Labels) Map(Placement p, float[] boxes, int[] labels)
    {
        var b = new List<float>();
        var l = new List<int>();
        p.MapBoxes(boxes, labels, b, l);
        return (b, l);
    }

    [Fact]
    public void Letterbox_scales_boxes_like_the_runtime_geometry()
    {
        // 200x100 into 128: scale = min(128/200, 128/100) = 0.64, content 128x64 at the top-left.
        var p = Placement.Plan(200, 100, 128, AugmentParams.None);
        var lb = Letterbox.Compute(200, 100, 128, 128);
        Assert.Equal((lb.Scale, lb.ResizedWidth, lb.ResizedHeight), (p.Scale, p.ResizedWidth, p.ResizedHeight));
        Assert.Equal((0.64f, 128, 64, 0, 0), (p.Scale, p.ResizedWidth, p.ResizedHeight, p.CropX, p.CropY));
        var (b, l) = Map(p, [10, 20, 50, 60], [3]);
        AssertClose([6.4f, 12.8f, 32f, 38.4f], b);
        Assert.Equal([3], l);
    }

    [Fact]
    public void Flip_maps_x1_to_W_minus_x2()
    {
        var p = Placement.Plan(200, 100, 128, new AugmentParams(true, 1f, 0, 0));
        var (b, _) = Map(p, [10, 20, 50, 60, 0, 0, 200, 100], [0, 1]);
        // W = 128 (resized width): x1' = 128 − 32 = 96, x2' = 128 − 6.4 = 121.6; the full-image box stays full.
        AssertClose([96f, 12.8f, 121.6f, 38.4f, 0f, 0f, 128f, 64f], b);
    }

    [Fact]
    public void Scale_jitter_above_one_crops_and_clips_boxes_and_drops_boxes_outside()
    {
        // 128x128 into 128 with jitter 1.25: resized 160x160, crop x = (int)(0.5·33) = 16, y = 0.
        var p = Placement.Plan(128, 128, 128, new AugmentParams(false, 1.25f, 0.5f, 0f));
        Assert.Equal((160, 160, 16, 0), (p.ResizedWidth, p.ResizedHeight, p.CropX, p.CropY));
        var (b, l) = Map(p, [100, 10, 127, 40, 2, 2, 10, 10], [4, 5]);
        // [125,12.5,158.75,50] − (16,0) clipped to 128; the second box ends at 12.5−16 < 0 → dropped.
        AssertClose([109f, 12.5f, 128f, 50f], b);
        Assert.Equal([4], l);
    }

    [Fact]
    public void Scale_jitter_below_one_shrinks_top_left()
    {
        var p = Placement.Plan(256, 128, 128, new AugmentParams(false, 0.75f, 0.9f, 0.9f));
        Assert.Equal((0.375f, 96, 48, 0, 0), (p.Scale, p.ResizedWidth, p.ResizedHeight, p.CropX, p.CropY));
    }

    [Fact]
    public void Render_without_augmentation_equals_plain_resize_and_pad()
    {
        using var src = new Mat(100, 200, MatType.CV_8UC3);
        Cv2.Randu(src, Scalar.All(0), Scalar.All(255));
        var p = Placement.Plan(200, 100, 128, AugmentParams.None);
        using var canvas = ImageTransform.Render(src, p);
        using var resized = new Mat();
        Cv2.Resize(src, resized, new Size(128, 64), 0, 0, InterpolationFlags.Linear);
        using var top = new Mat(canvas, new Rect(0, 0, 128, 64));
        Assert.Equal(0, Cv2.Norm(top, resized, NormTypes.INF));
        Assert.Equal(new Vec3b(104, 116, 124), canvas.At<Vec3b>(100, 5));
    }

    [Fact]
    public void Render_flip_mirrors_the_content_inside_the_resized_area()
    {
        using var src = new Mat(64, 128, MatType.CV_8UC3, Scalar.All(0));
        src[new Rect(0, 0, 32, 64)].SetTo(Scalar.All(255)); // white left quarter
        using var canvas = ImageTransform.Render(src, Placement.Plan(128, 64, 128, new AugmentParams(true, 1f, 0, 0)));
        Assert.Equal(new Vec3b(0, 0, 0), canvas.At<Vec3b>(10, 5));
        Assert.Equal(new Vec3b(255, 255, 255), canvas.At<Vec3b>(10, 120));
        Assert.Equal(new Vec3b(104, 116, 124), canvas.At<Vec3b>(100, 120));
    }

    [Fact]
    public void Normalisation_swaps_to_rgb_and_writes_chw()
    {
        using var m = new Mat(2, 3, MatType.CV_8UC3, new Scalar(104, 116, 124)); // B,G,R
        m.Set(1, 2, new Vec3b(0, 128, 255));
        var dst = new float[3 * 6];
        ImageTransform.ToNormalizedChw(m, dst, ModelContract.DefaultMean, ModelContract.DefaultStd);
        Assert.Equal((124 - 123.675f) / 58.395f, dst[0], 5);       // R plane, pixel (0,0)
        Assert.Equal((116 - 116.28f) / 57.12f, dst[6], 5);         // G plane
        Assert.Equal((104 - 103.53f) / 57.375f, dst[12], 5);       // B plane
        Assert.Equal((255 - 123.675f) / 58.395f, dst[5], 5);       // R of pixel (1,2) = index 1·3+2
        Assert.Equal((128 - 116.28f) / 57.12f, dst[6 + 5], 5);
        Assert.Equal((0 - 103.53f) / 57.375f, dst[12 + 5], 5);
    }

    [Fact]
    public void Size_not_multiple_of_32_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Placement.Plan(10, 10, 100, AugmentParams.None));
    }

    private static void AssertClose(float[] expected, List<float> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"[{i}] expected {expected[i]}, got {actual[i]}");
    }
}
