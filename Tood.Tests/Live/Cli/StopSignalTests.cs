using System.Text.Json;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Live.Cli;

/// <summary>
/// tood-live started as a child process on the real video (replayed with --realtime, so it is mid-run when
/// signalled), signalled, and its outputs probed: the mp4 plays (H.264, moov first) and the JSONL is under its
/// final name with complete lines.
/// </summary>
[Collection(RealtimeCollection.Name)]
public class StopSignalTests(RealtimeFixture fx)
{
    private const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19;
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60), Finish = TimeSpan.FromSeconds(30);
    /// <summary>Two raw BGR frames of the 768×432 video: the encoder has had the first processed frame (and, live, its
    /// repeat), so the signal comes mid-run with work done — however long the first frames took on this machine.</summary>
    private const long TwoFrames = 2L * 768 * 432 * 3;

    private string[] Args(string name) =>
        ["--source", SharedData.PersonVideo, "--realtime", "--model", fx.Model, "--device", "cpu",
         "--output", fx.PathFor($"{name}.mp4"), "--save-json", fx.PathFor($"{name}.jsonl")];

    [SkippableTheory]
    [InlineData(SIGTERM)]
    [InlineData(SIGHUP)]
    [InlineData(SIGQUIT)]
    [InlineData(SIGINT)]
    public void A_stop_signal_mid_run_finalises_every_output_like_ctrl_c(int signal)
    {
        string name = $"signal{signal}";
        using var live = LiveProcess.Start(Args(name));
        Assert.True(live.WaitForStderr("video I/O:", Startup), live.Stderr);
        WaitUntilFramesAreWritten(live);
        live.Signal(signal);
        Assert.True(live.WaitForExit(Finish), "tood-live did not exit after the signal: " + live.Stderr);

        Assert.Equal(128 + signal, live.ExitCode);
        Assert.Contains("received: stopping, finishing the frames in flight", live.Stderr);
        Assert.Contains(", stopped early", live.Stdout);
        long frames = long.Parse(live.Stdout.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        AssertOutputsComplete(name, frames);
    }

    [SkippableFact]
    public void A_second_ctrl_c_to_the_terminal_process_group_still_leaves_playable_files_and_the_encoder_never_sees_it()
    {
        using var live = LiveProcess.Start(Args("twice"), ownProcessGroup: true);
        Assert.True(live.WaitForStderr("video I/O:", Startup), live.Stderr);
        WaitUntilFramesAreWritten(live);
        // The H.264 encoder runs in a session of its own: a terminal's Ctrl+C (sent to the foreground process
        // group) reaches tood-live only, which then finalises the encoder itself.
        var encoder = Assert.Single(live.Children("ffmpeg"));
        Assert.NotEqual(LiveProcess.ProcessGroup(live.Pid), encoder.Pgid);
        // The encoder is held (SIGSTOP) across both Ctrl+C: tood-live's writes to it, and its wait for it to finish the
        // file, block until it is resumed, so the second Ctrl+C finds tood-live still stopping. Unheld, a machine that
        // finished the frames in flight before the test's second signal arrived would see tood-live gone already.
        LiveProcess.Signal(encoder.Pid, SIGSTOP);
        try
        {
            live.SignalGroup(SIGINT);
            Assert.True(live.WaitForStderr("SIGINT received: stopping", Finish), live.Stderr);
            live.SignalGroup(SIGINT);
            Assert.True(live.WaitForStderr("SIGINT received again: stopping now", Finish), live.Stderr);
        }
        finally { LiveProcess.Signal(encoder.Pid, SIGCONT); }
        Assert.True(live.WaitForExit(Finish), "tood-live did not exit after two Ctrl+C: " + live.Stderr);

        Assert.Equal(130, live.ExitCode);
        Assert.Contains("SIGINT received again: stopping now", live.Stderr);
        long frames = long.Parse(live.Stdout.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        AssertOutputsComplete("twice", frames);
    }

    private static void WaitUntilFramesAreWritten(LiveProcess live)
    {
        bool? written = live.WaitForEncoderInput(TwoFrames, Startup);
        Skip.If(written is null, "the encoder's read count (/proc/PID/io) cannot be read here: no sign of frames written to wait for");
        Assert.True(written, "no frame reached the encoder: " + live.Stderr);
    }

    private void AssertOutputsComplete(string name, long frames)
    {
        Assert.InRange(frames, 1, 1393);
        string mp4 = fx.PathFor($"{name}.mp4"), jsonl = fx.PathFor($"{name}.jsonl");
        var p = Mp4Probe.Of(mp4);
        Assert.Equal(("h264", "yuv420p", 768, 432), (p.Codec, p.PixFmt, p.Width, p.Height));
        Assert.True(p.Frames >= frames, $"{p.Frames} video frames for {frames} processed"); // live: repeats fill the gaps
        Assert.True(Mp4Probe.MoovFirst(mp4), string.Join(",", Mp4Probe.TopLevelBoxes(mp4)));
        var lines = File.ReadAllLines(jsonl);
        Assert.Equal(frames, lines.Length);
        Assert.All(lines, l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("detections", out _)));
        Assert.Empty(Directory.GetFiles(fx.Dir, $".{name}.partial*"));
    }
}
