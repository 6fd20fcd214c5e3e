using Tood.Live.Cli;
using Tood.Realtime.Pipeline;
using Xunit;

namespace Tood.Tests.Live.Cli;

public class ProgressBarTests
{
    [Fact]
    public void Formats_percentage_fps_and_eta()
    {
        // 12 of 48 frames at 4 FPS → 25 %, 36 frames left → ETA 9 s
        Assert.Equal("[########......................]  25% 12/48    4.0 FPS ETA 0:09",
            ProgressBar.Format(new PipelineProgress(12, 48, 4.0, 3.0, 0)));
        Assert.Equal("7 frames   30.0 FPS 1:05", ProgressBar.Format(new PipelineProgress(7, null, 30, 65, 0)));
    }

    [Fact]
    public void Draws_in_place_and_ends_with_a_newline()
    {
        var w = new StringWriter();
        var bar = new ProgressBar(w);
        bar.Report(new PipelineProgress(1, 2, 1, 1, 0));
        bar.Report(new PipelineProgress(2, 2, 2, 1, 0));
        bar.Finish();
        var s = w.ToString();
        Assert.StartsWith("\r[", s);
        Assert.EndsWith("100% 2/2    2.0 FPS ETA 0:00\n", s);
    }
}
