using Tood.Realtime.Pipeline;
using Xunit;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>
/// Relations a <see cref="RunSummary"/> must satisfy on any machine, however fast or loaded, checked against the
/// test's own clock: the warm-up run and the frames' run are disjoint spans within the call that the test timed, each
/// frame's latency (capture → overlay drawn) is a span within the run, and the frame rate is frames over run time.
/// </summary>
internal static class SummaryChecks
{
    /// <param name="s">the summary of a run that processed at least one frame</param>
    /// <param name="elapsed">the test's stopwatch around the whole <c>RunAsync</c> call</param>
    /// <param name="batch">the run's <c>--batch</c></param>
    public static void Check(RunSummary s, TimeSpan elapsed, int batch = 1)
    {
        Assert.True(s.Frames > 0, s.ToString());
        Assert.True(s.Seconds > 0 && s.WarmupMs > 0, s.ToString());
        Assert.True(1000 * s.Seconds + s.WarmupMs <= elapsed.TotalMilliseconds,
            $"run {1000 * s.Seconds:0.0} ms + warm-up {s.WarmupMs:0.0} ms > the {elapsed.TotalMilliseconds:0.0} ms the call took: {s}");
        Assert.Equal(s.Frames / s.Seconds, s.MeanFps, 1e-9 * s.MeanFps);
        Assert.True(s.MeanLatencyMs > 0 && s.MeanLatencyMs <= s.MaxLatencyMs && s.P95LatencyMs <= s.MaxLatencyMs, s.ToString());
        Assert.True(s.MaxLatencyMs <= 1000 * s.Seconds, $"a frame's latency {s.MaxLatencyMs:0.0} ms exceeds the run's {1000 * s.Seconds:0.0} ms");
        Assert.Equal(s.Frames, s.BatchedFrames);                        // every processed frame went through one model run
        Assert.InRange(s.ModelRuns, (s.Frames + batch - 1) / batch, s.Frames);
    }
}
