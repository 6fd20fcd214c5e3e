using OpenCvSharp;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Rendering;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video;
using Tood.Tests.Cli;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Rendering;

/// <summary>
/// The FPS/latency banner: not in the saved video unless <c>--status</c>; the <c>--show</c> window draws it on its own
/// copy. Checked on pixels: the banner is a black band at the top-left corner over the test clip's grey (40) background.
/// </summary>
[Collection(RealtimeCollection.Name)]
public class StatusBannerTests(RealtimeFixture fx)
{
    // Rows 1..3, columns 150..229: inside the banner's black band, above its text, clear of the clip's boxes and labels.
    private static readonly Rect Band = new(150, 1, 80, 3);

    [Fact]
    public async Task Saved_video_has_no_banner_unless_status_is_given()
    {
        var plain = fx.PathFor("plain.mp4");
        var status = fx.PathFor("status.mp4");
        foreach (var (path, extra) in new[] { (plain, Array.Empty<string>()), (status, new[] { "--status" }) })
        {
            // --classes blue: the test model's boxes and labels then stay clear of the top rows.
            var r = await CliRun.Live(["--source", fx.Video, "--model", fx.Model, "--device", "cpu", "--classes", "blue", "--output", path, .. extra]);
            Assert.True(r.Code == 0, r.Err);
        }
        using var a = ReadFrame(plain, 5);
        using var b = ReadFrame(status, 5);
        double plainBand = Mean(a, Band), statusBand = Mean(b, Band);
        Assert.InRange(plainBand, 32, 48);   // the clip's background (40), as in the source
        Assert.InRange(statusBand, 0, 12);   // the black band
        using var source = ReadFrame(fx.Video, 5);
        Assert.InRange(Math.Abs(plainBand - Mean(source, Band)), 0, 4);
        // Below the banner the two videos are the same picture, up to mp4v's coding noise (the band differs by ~40).
        var below = new Rect(0, 60, a.Width, a.Height - 60);
        using var diff = new Mat();
        Cv2.Absdiff(new Mat(a, below), new Mat(b, below), diff);
        Assert.InRange(Cv2.Mean(diff).Val0, 0, 5);
    }

    [Fact]
    public void Window_draws_the_banner_on_its_copy_and_leaves_the_frame_alone()
    {
        using var image = new Mat(240, 320, MatType.CV_8UC3, new Scalar(40, 40, 40));
        using var shown = new Mat();
        var renderer = new OverlayRenderer();
        WindowSink.Compose(new ProcessedFrame(0, 0, image, Array.Empty<Detection>(), "FPS 30.0  latency 12 ms"), shown, renderer);
        Assert.InRange(Mean(shown, Band), 0, 0.001);
        Assert.True(Cv2.CountNonZero(new Mat(shown, new Rect(0, 0, 200, 30)).CvtColor(ColorConversionCodes.BGR2GRAY).Threshold(200, 255, ThresholdTypes.Binary)) > 50,
            "no white text in the banner");
        Assert.Equal(40, Mean(image, new Rect(0, 0, 320, 240)), 3);     // the frame itself has no banner
        WindowSink.Compose(new ProcessedFrame(1, 0, image, Array.Empty<Detection>()), shown, renderer);
        Assert.Equal(40, Mean(shown, new Rect(0, 0, 320, 240)), 3);     // no status: the window shows the frame as is
    }

    private static Mat ReadFrame(string path, int index)
    {
        using var cap = new VideoCapture(path);
        var m = new Mat();
        for (int i = 0; i <= index; i++) Assert.True(cap.Read(m) && !m.Empty(), $"{path}: no frame {i}");
        return m;
    }

    private static double Mean(Mat m, Rect r)
    {
        using var roi = new Mat(m, r);
        var s = Cv2.Mean(roi);
        return (s.Val0 + s.Val1 + s.Val2) / 3;
    }
}
