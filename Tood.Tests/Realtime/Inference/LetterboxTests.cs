using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Realtime.Preprocess;
using Xunit;

namespace Tood.Tests.Realtime.Inference;

public class LetterboxTests
{
    [Fact]
    public void Compute_1280x720_to_640_scales_by_half_and_pads_bottom()
    {
        var lb = Letterbox.Compute(1280, 720, 640, 640);
        Assert.Equal((0.5f, 0.5f), (lb.ScaleX, lb.ScaleY));
        Assert.Equal(640, lb.ResizedWidth);
        Assert.Equal(360, lb.ResizedHeight);
    }

    [Theory]
    // mmcv rescale_size with scale (1333, 800), by hand: s = min(1333/long, 800/short), size int(x·s + 0.5), pad to 32.
    [InlineData(640, 426, 1202, 800, 1216, 800)]    // s = min(2.0828, 1.87793) = 1.87793: 640·s = 1201.88 → 1202
    [InlineData(480, 640, 800, 1067, 800, 1088)]    // portrait: s = min(1333/640, 800/480) = 1.6667: 640·s = 1066.67 → 1067
    [InlineData(1000, 200, 1333, 267, 1344, 288)]   // s = 1.333 (long edge binds): 200·s = 266.6 → 267
    [InlineData(1333, 800, 1333, 800, 1344, 800)]   // already at scale
    public void KeepRatio_follows_mmdet_rescale_and_pads_to_32(int w, int h, int rw, int rh, int pw, int ph)
    {
        var lb = Letterbox.KeepRatio(w, h, 1333, 800, 32);
        Assert.Equal((rw, rh, pw, ph), (lb.ResizedWidth, lb.ResizedHeight, lb.TargetWidth, lb.TargetHeight));
        // mmdet's scale_factor: new/old per axis, float32.
        Assert.Equal(((float)((double)rw / w), (float)((double)rh / h)), (lb.ScaleX, lb.ScaleY));
    }

    [Fact]
    public void KeepRatio_to_source_divides_per_axis_and_can_leave_boxes_unclipped()
    {
        var lb = Letterbox.KeepRatio(640, 426, 1333, 800, 32); // ScaleX 1202/640, ScaleY 800/426
        var (x1, y1, x2, y2) = lb.ToSource(-12.5f, 100, 1210, 810, 640, 426, clip: false);
        Assert.Equal((-12.5f / lb.ScaleX, 100f / lb.ScaleY, 1210f / lb.ScaleX, 810f / lb.ScaleY), (x1, y1, x2, y2));
        Assert.Equal(-6.6556, x1, 3);   // −12.5 · 640/1202
        Assert.Equal(644.26, x2, 2);    // 1210 · 640/1202: past the right edge, kept
        Assert.Equal(431.325, y2, 3);   // 810 · 426/800
        var clipped = lb.ToSource(-12.5f, 100, 1210, 810, 640, 426);
        Assert.Equal((0f, 640f, 426f), (clipped.X1, clipped.X2, clipped.Y2));
        Assert.Equal(53.25, clipped.Y1, 4);
    }

    [Fact]
    public void ToSource_undoes_scale_and_clips_to_source()
    {
        var lb = Letterbox.Compute(1280, 720, 640, 640);
        Assert.Equal((200f, 100f, 400f, 300f), lb.ToSource(100, 50, 200, 150, 1280, 720));
        // beyond the image: clipped to 1280×720
        Assert.Equal((0f, 600f, 1280f, 720f), lb.ToSource(-10, 300, 700, 400, 1280, 720));
    }

    [Fact]
    public unsafe void Target_resizes_into_top_left_and_pads_rest_with_mean_colour()
    {
        var mem = GC.AllocateArray<byte>(64 * 64 * 3, pinned: true);
        fixed (byte* p = mem)
        {
            using var target = new LetterboxTarget((nint)p, 64, 64);
            using var src = new Mat(90, 160, MatType.CV_8UC3, new Scalar(10, 20, 30));
            Cv2.Rectangle(src, new Rect(0, 0, 80, 90), new Scalar(200, 0, 0), -1); // left half blue
            var lb = target.Write(src);
            Assert.Equal((0.4f, 64, 36), (lb.ScaleX, lb.ResizedWidth, lb.ResizedHeight));
            byte[] Pixel(int x, int y) => mem.AsSpan((y * 64 + x) * 3, 3).ToArray();
            Assert.Equal(new byte[] { 200, 0, 0 }, Pixel(0, 0));
            Assert.Equal(new byte[] { 10, 20, 30 }, Pixel(63, 35));
            Assert.Equal(new byte[] { 104, 116, 124 }, Pixel(0, 36));
            Assert.Equal(new byte[] { 104, 116, 124 }, Pixel(63, 63));
            // The image region equals OpenCV's INTER_LINEAR resize exactly.
            using var expected = new Mat();
            Cv2.Resize(src, expected, new Size(64, 36), 0, 0, InterpolationFlags.Linear);
            expected.GetArray(out Vec3b[] exp);
            for (int y = 0; y < 36; y++)
                for (int x = 0; x < 64; x++)
                    Assert.Equal(new byte[] { exp[y * 64 + x].Item0, exp[y * 64 + x].Item1, exp[y * 64 + x].Item2 }, Pixel(x, y));

            // Portrait frame: geometry changes, so the former bottom padding is image and the right side is padding.
            using var tall = new Mat(160, 90, MatType.CV_8UC3, new Scalar(1, 2, 3));
            var lb2 = target.Write(tall);
            Assert.Equal((36, 64), (lb2.ResizedWidth, lb2.ResizedHeight));
            Assert.Equal(new byte[] { 1, 2, 3 }, Pixel(0, 63));
            Assert.Equal(new byte[] { 104, 116, 124 }, Pixel(36, 0));
            Assert.Equal(new byte[] { 104, 116, 124 }, Pixel(63, 63));
        }
    }
}
