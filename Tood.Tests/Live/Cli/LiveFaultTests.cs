using System.Text.Json;
using System.Text.RegularExpressions;
using OpenCvSharp;
using Tood.Realtime.Video;
using Tood.Tests.Cli;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Live.Cli;

/// <summary>tood-live's new input flags and faults: a file that stops decoding, camera options, --realtime/--reconnect/--codec misuse.</summary>
[Collection(RealtimeCollection.Name)]
public partial class LiveFaultTests(RealtimeFixture fx)
{
    private static string ErrorLine(string err) => Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error:", StringComparison.Ordinal));

    [GeneratedRegex(@"^tood-live: error: video (?<path>.+): decode failed at frame (?<n>\d+) of (?<m>\d+) \(frames 0-(?<last>\d+) were read; the file is truncated or corrupt\)$")]
    private static partial Regex DecodeFailed();

    [Fact]
    public async Task A_truncated_real_video_exits_1_with_decode_failed_at_frame_N_of_M_and_keeps_finalised_outputs_up_to_there()
    {
        // The real camera video has its moov box first, so a copy cut inside mdat still opens with all 1394 frames indexed.
        var cut = fx.PathFor("person_cut.mp4");
        var bytes = File.ReadAllBytes(SharedData.PersonVideo);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 8)]);
        string mp4 = fx.PathFor("cut_out.mp4"), jsonl = fx.PathFor("cut_out.jsonl");

        var (code, stdout, err) = await CliRun.Live("--source", cut, "--model", fx.Model, "--device", "cpu", "--output", mp4, "--save-json", jsonl);

        Assert.Equal(1, code);
        var m = DecodeFailed().Match(ErrorLine(err));
        Assert.True(m.Success, err);
        int n = int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(cut, m.Groups["path"].Value);
        Assert.Equal(SharedData.PersonVideoFrames.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Groups["m"].Value);
        Assert.Equal(n - 1, int.Parse(m.Groups["last"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(n, 50, SharedData.PersonVideoFrames / 4); // an eighth of the bytes (the first frames are the largest)
        // Everything decoded was processed, written and finalised under the requested names.
        Assert.Contains($"{n} frames in ", stdout);
        Assert.Contains($"output: {mp4}", stdout);
        var lines = File.ReadAllLines(jsonl);
        Assert.Equal(n, lines.Length);
        Assert.Equal(n - 1, JsonDocument.Parse(lines[^1]).RootElement.GetProperty("frame").GetInt32());
        var p = Mp4Probe.Of(mp4);
        Assert.Equal(("h264", n, SharedData.PersonVideoWidth, SharedData.PersonVideoHeight), (p.Codec, p.Frames, p.Width, p.Height));
        Assert.True(Mp4Probe.MoovFirst(mp4));
        Assert.Empty(Directory.GetFiles(fx.Dir, ".*partial*"));
    }

    [Fact]
    public async Task The_whole_file_is_not_a_decode_failure()
    {
        var (code, _, err) = await CliRun.Live("--source", fx.Video, "--model", fx.Model, "--device", "cpu", "--save-json", fx.PathFor("whole.jsonl"));
        Assert.True(code == 0, err);
        Assert.Equal(RealtimeFixture.VideoFrames, File.ReadAllLines(fx.PathFor("whole.jsonl")).Length);
    }

    [Theory]
    [InlineData("camera-flag-with-file")]
    [InlineData("bad-fourcc")]
    [InlineData("bad-backend")]
    [InlineData("bad-width")]
    [InlineData("realtime-camera")]
    [InlineData("reconnect-file")]
    [InlineData("bad-codec")]
    public async Task Input_option_misuse_exits_2_with_one_line(string kind)
    {
        string[] args = kind switch
        {
            "camera-flag-with-file" => ["--source", fx.Video, "--model", fx.Model, "--width", "1280"],
            "bad-fourcc" => ["--camera", "0", "--model", fx.Model, "--fourcc", "MJPEG"],
            "bad-backend" => ["--camera", "0", "--model", fx.Model, "--backend", "directshow"],
            "bad-width" => ["--camera", "0", "--model", fx.Model, "--width", "0"],
            "realtime-camera" => ["--camera", "0", "--model", fx.Model, "--realtime"],
            "reconnect-file" => ["--source", fx.Video, "--model", fx.Model, "--reconnect", "3"],
            _ => ["--source", fx.Video, "--model", fx.Model, "--codec", "vp9"],
        };
        string expected = kind switch
        {
            "camera-flag-with-file" => "--width is a camera option; use it with --camera",
            "bad-fourcc" => "--fourcc must be 4 printable characters (e.g. MJPG, YUYV), got 'MJPEG'",
            "bad-backend" => "--backend must be any|v4l2|dshow|msmf|avfoundation|gstreamer|ffmpeg, got 'directshow'",
            "bad-width" => "--width must be ≥ 1, got 0",
            "realtime-camera" => "--realtime replays a file as if it were a camera; a camera is live already",
            "reconnect-file" => "--reconnect is for stream URLs (rtsp://, http://, udp://, ...); a file or camera is not reconnected",
            _ => "--codec must be auto|h264|hevc|mp4v, got 'vp9'",
        };
        var (code, _, err) = await CliRun.Live(args);
        Assert.Equal(2, code);
        Assert.Equal($"tood-live: error: {expected} (see tood-live --help)", ErrorLine(err));
    }

    [Fact]
    public async Task An_unknown_camera_with_a_backend_is_one_clear_error()
    {
        var (code, _, err) = await CliRun.Live("--camera", "97", "--backend", "v4l2", "--width", "640", "--model", fx.Model);
        Assert.Equal(1, code);
        Assert.Equal("tood-live: error: camera 97 could not be opened with backend v4l2 (no such device or it is in use, or the backend is not available here)", ErrorLine(err));
    }

    [Fact]
    public void The_negotiated_mode_reports_what_the_capture_granted_not_what_was_asked()
    {
        // No camera here: a file-backed VideoCapture goes through the same Set/Get calls and, like a camera that
        // cannot do the requested mode, keeps its own — 320x240 at 24 fps, mp4v.
        var mode = new CameraMode { Width = 1280, Height = 720, Fps = 30, FourCC = "MJPG" };
        using var cap = new VideoCapture(fx.Video);
        Assert.True(cap.IsOpened());
        mode.ApplyTo(cap);
        using var frame = new Mat();
        Assert.True(cap.Read(frame));
        Assert.Equal("requested 1280x720 @ 30 fps MJPG, got 320x240 @ 24 fps FMP4 (backend FFMPEG)", mode.Negotiated(cap, frame.Width, frame.Height));
        Assert.Equal("requested driver default, got 320x240 @ 24 fps FMP4 (backend FFMPEG)", new CameraMode().Negotiated(cap, frame.Width, frame.Height));
        Assert.Equal("MJPG", CameraMode.FourCCName(CameraMode.FourCCValue("MJPG")));
    }
}
