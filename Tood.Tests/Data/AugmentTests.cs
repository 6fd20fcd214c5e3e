using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Train.Data;
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
        Assert.Equal(lb, p.ToLetterbox());
        Assert.Equal((0.64f, 0.64f, 128, 64, 0, 0, 128, 128), (p.ScaleX, p.ScaleY, p.ResizedWidth, p.ResizedHeight, p.CropX, p.CropY, p.CanvasWidth, p.CanvasHeight));
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
        Assert.Equal((0.375f, 96, 48, 0, 0), (p.ScaleX, p.ResizedWidth, p.ResizedHeight, p.CropX, p.CropY));
    }

    [Fact]
    public void Boxes_shrunk_below_a_pixel_are_kept_tiny_boxes_were_filtered_at_the_original_scale()
    {
        // 2000x1000 into 128: scale 0.064, a 5x10 px box becomes 0.32x0.64 px — kept (mmdet filters at load time only).
        var p = Placement.Plan(2000, 1000, 128, AugmentParams.None);
        var (b, l) = Map(p, [10, 10, 15, 20], [2]);
        AssertClose([0.64f, 0.64f, 0.96f, 1.28f], b);
        Assert.Equal([2], l);
    }

    [Fact]
    public void Keep_ratio_places_at_mmdet_scale_with_per_axis_factors_and_flips_in_the_resized_width()
    {
        var p = Placement.Plan(640, 426, ImageSizeSpec.KeepRatioScale(1333, 800), new AugmentParams(true, 1f, 0.3f, 0.7f));
        Assert.Equal((1202, 800, 0, 0, 1216, 800, 1202, 800), (p.ResizedWidth, p.ResizedHeight, p.CropX, p.CropY, p.CanvasWidth, p.CanvasHeight, p.VisibleWidth, p.VisibleHeight));
        float sx = (float)(1202.0 / 640), sy = (float)(800.0 / 426);
        Assert.Equal((sx, sy), (p.ScaleX, p.ScaleY));
        var (b, _) = Map(p, [100, 50, 100.4f, 60, 600, 0, 640, 426], [0, 1]);
        // x' = 1202 − x·sx (flip in the resized width); the 0.4 px wide box stays (0.75 px after scaling).
        AssertClose([1202 - 100.4f * sx, 50 * sy, 1202 - 100 * sx, 60 * sy, 0, 0, 1202 - 600 * sx, 800], b);
    }

    [Fact]
    public void Keep_ratio_scale_jitter_is_mmdet_ratio_range()
    {
        // r = 0.75: scale (int(1333·0.75), int(800·0.75)) = (999, 600); 640x426 → s = min(999/640, 600/426) → 901x600, canvas 928x608.
        var p = Placement.Plan(640, 426, ImageSizeSpec.KeepRatioScale(1333, 800), new AugmentParams(false, 0.75f, 0.9f, 0.9f));
        Assert.Equal((901, 600, 0, 0, 928, 608), (p.ResizedWidth, p.ResizedHeight, p.CropX, p.CropY, p.CanvasWidth, p.CanvasHeight));
    }

    [Fact]
    public void Content_without_augmentation_is_the_plain_resize()
    {
        using var src = new Mat(100, 200, MatType.CV_8UC3);
        Cv2.Randu(src, Scalar.All(0), Scalar.All(255));
        var p = Placement.Plan(200, 100, 128, AugmentParams.None);
        using var content = ImageTransform.RenderContent(src, p);
        using var resized = new Mat();
        Cv2.Resize(src, resized, new Size(128, 64), 0, 0, InterpolationFlags.Linear);
        Assert.Equal((128, 64), (content.Cols, content.Rows));
        Assert.Equal(0, Cv2.Norm(content, resized, NormTypes.INF));
    }

    [Fact]
    public void Content_flip_mirrors_and_crop_takes_the_window()
    {
        using var src = new Mat(64, 128, MatType.CV_8UC3, Scalar.All(0));
        src[new Rect(0, 0, 32, 64)].SetTo(Scalar.All(255)); // white left quarter
        using var flipped = ImageTransform.RenderContent(src, Placement.Plan(128, 64, 128, new AugmentParams(true, 1f, 0, 0)));
        Assert.Equal(new Vec3b(0, 0, 0), flipped.At<Vec3b>(10, 5));
        Assert.Equal(new Vec3b(255, 255, 255), flipped.At<Vec3b>(10, 120));
        // jitter 2: 256x128 resized, crop x = (int)(1·129) clamped to 128 → the right half (black).
        var p = Placement.Plan(128, 64, 128, new AugmentParams(false, 2f, 1f, 0f));
        using var cropped = ImageTransform.RenderContent(src, p);
        Assert.Equal((128, 128, 128, 0), (cropped.Cols, cropped.Rows, p.CropX, p.CropY));
        Assert.Equal(0, Cv2.CountNonZero(cropped.CvtColor(ColorConversionCodes.BGR2GRAY)));
    }

    [Fact]
    public void Canvas_padding_is_the_runtime_pad_colour_for_squares_and_zero_for_keep_ratio()
    {
        using var m = new Mat(2, 3, MatType.CV_8UC3, new Scalar(10, 20, 30));
        var mean = ModelContract.DefaultMean;
        var std = ModelContract.DefaultStd;
        var square = new float[3 * 4 * 5];
        ImageTransform.ToNormalizedChw(m, square, mean, std, 5, 4, ImageTransform.PadValue(false, mean, std));
        // A pixel of the pad colour, normalised by the same code, gives the same bits as the fill.
        using var padPixel = new Mat(1, 1, MatType.CV_8UC3, new Scalar(104, 116, 124));
        var expected = new float[3];
        ImageTransform.ToNormalizedChw(padPixel, expected, mean, std);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(expected[c], square[c * 20 + 3]);          // row 0, column 3 (right of the image)
            Assert.Equal(expected[c], square[c * 20 + 3 * 5 + 4]);  // row 3 (below the image)
        }
        Assert.Equal((30 - mean[0]) / std[0], square[0], 5);       // content at the top-left, R from BGR's third channel
        Assert.Equal((10 - mean[2]) / std[2], square[2 * 20 + 5 + 2], 5);

        var keep = Enumerable.Repeat(float.NaN, 3 * 4 * 5).ToArray();
        ImageTransform.ToNormalizedChw(m, keep, mean, std, 5, 4, ImageTransform.PadValue(true, mean, std));
        Assert.Equal(3 * (20 - 6), keep.Count(v => v == 0f));      // every pad element exactly 0 (mmdet pads after normalising)
        Assert.DoesNotContain(keep, float.IsNaN);
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
        Assert.Throws<InvalidOperationException>(() => Placement.Plan(10, 10, 100, AugmentParams.None));
        Assert.Equal("image size '100': square size must be a positive multiple of 32, got 100", Assert.Throws<FormatException>(() => ImageSizeSpec.Parse("100")).Message);
        Assert.Equal("image size '1333x16': keep-ratio scale must be at least 32x32, got 1333x16", Assert.Throws<FormatException>(() => ImageSizeSpec.Parse("1333x16")).Message);
        Assert.Throws<FormatException>(() => ImageSizeSpec.Parse("1333*800"));
        Assert.Equal((1333, 800, true), (ImageSizeSpec.Parse("1333X800").Width, ImageSizeSpec.Parse("1333x800").Height, ImageSizeSpec.Parse("1333x800").KeepRatio));
        Assert.Equal(ImageSizeSpec.Square(512), ImageSizeSpec.Parse("512"));
        Assert.Equal("1333x800", ImageSizeSpec.Mmdet1333x800.ToString());
        Assert.Equal((1344, 800), ImageSizeSpec.Mmdet1333x800.DeploymentSize);
    }

    private static void AssertClose(float[] expected, List<float> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"[{i}] expected {expected[i]}, got {actual[i]}");
    }
}
