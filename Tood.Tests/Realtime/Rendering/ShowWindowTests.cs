using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Rendering;

/// <summary>Skips (with the reason) only when the Xvfb binary is missing.</summary>
public sealed class XvfbFactAttribute : FactAttribute
{
    public XvfbFactAttribute()
    {
        if (Xvfb.FindBinary() is null) Skip = "Xvfb is not installed (apt-get install xvfb, see scripts/setup.sh): the --show test needs a virtual display";
    }
}

[Collection(RealtimeCollection.Name)]
public class ShowWindowTests(RealtimeFixture fx)
{
    [XvfbFact]
    public async Task Show_opens_a_window_under_xvfb_and_renders_annotated_frames()
    {
        using var xvfb = Xvfb.Start(Xvfb.FindBinary()!);
        xvfb.Export();
        Assert.Equal(0, xvfb.Screenshot().NonBlack); // black root window before
        var video = fx.PathFor("long.mp4");
        TestVideo.Write(video, frames: 90);
        using var det = Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu });
        // Replayed at the video's 24 fps (file mode, so every frame is shown): the window is up for at least 90 / 24 s
        // however fast this machine runs the model, long enough for several screenshots of it.
        var run = new VideoPipeline(det, new VideoPipelineOptions { Run = new() { Live = false }, Render = new() { Show = true } }, StreamSpec.Open(video, new() { Realtime = true })).RunAsync();
        (int NonBlack, int Colours) best = (0, 0);
        while (!run.IsCompleted)
        {
            var shot = xvfb.Screenshot();
            if (shot.NonBlack > best.NonBlack) best = shot;
            await Task.Delay(50);
        }
        var summary = await run;
        Assert.Equal(90, summary.Frames);
        // The window shows the 320×240 frame: dark background, three coloured boxes, labels and the status line.
        Assert.True(best.NonBlack > 320 * 240 / 8,  // samples: a quarter of the pixels; the frame covers 320×240
             $"screen mostly black: {best}");
        Assert.True(best.Colours >= 8, $"too few colours on screen: {best}");
    }
}
