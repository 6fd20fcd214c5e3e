using Tood.CommandLine;
using Tood.Live.Cli;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Live.Cli;

/// <summary>The tood-live entry point: exit codes and one-line messages for bad input; nothing half-written left behind.</summary>
[Collection(RealtimeCollection.Name)]
public class LiveCommandTests(RealtimeFixture fx)
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = await LiveCli.RunAsync(args, new CliConsole(o, e, InteractiveError: false), CancellationToken.None);
        return (code, o.ToString(), e.ToString());
    }

    private static string OnlyErrorLine(string err) => Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error:", StringComparison.Ordinal));

    [Fact]
    public async Task Help_prints_the_full_reference()
    {
        var (code, stdout, _) = await Run("--help");
        Assert.Equal(0, code);
        foreach (var opt in new[] { "--camera", "--source", "--model", "--output", "--show", "--no-show", "--conf", "--iou", "--max-det", "--classes", "--batch", "--device", "--save-json", "--save-csv", "--vid-stride", "--line-width",
                                       "--codec", "--realtime", "--reconnect", "--width", "--height", "--fps", "--fourcc", "--backend", "SIGTERM" })
            Assert.Contains(opt, stdout);
    }

    [Fact]
    public async Task Runs_a_video_end_to_end_and_prints_a_summary()
    {
        var mp4 = fx.PathFor("cli.mp4");
        var (code, stdout, err) = await Run("--source", fx.Video, "--model", fx.Model, "--output", mp4, "--device", "cpu", "--classes", "red,2", "--batch", "2",
            "--cpu-threads", "1", "--cpu-spin", "on");
        Assert.True(code == 0, err);
        Assert.Contains($"{RealtimeFixture.VideoFrames} frames in", stdout);
        Assert.Contains("per frame: capture", stdout);
        Assert.Equal((RealtimeFixture.VideoFrames, 320, 240), TestVideo.Probe(mp4));
    }

    [Theory]
    [InlineData("missing-model")]
    [InlineData("no-input")]
    [InlineData("both-inputs")]
    [InlineData("bad-conf")]
    [InlineData("unknown-option")]
    [InlineData("bad-device")]
    [InlineData("bad-threads")]
    public async Task Usage_errors_exit_2_with_one_line(string kind)
    {
        string[] args = kind switch
        {
            "missing-model" => ["--source", fx.Video],
            "no-input" => ["--model", fx.Model],
            "both-inputs" => ["--camera", "0", "--source", fx.Video, "--model", fx.Model],
            "bad-conf" => ["--source", fx.Video, "--model", fx.Model, "--conf", "1.5"],
            "unknown-option" => ["--source", fx.Video, "--model", fx.Model, "--confidence", "0.3"],
            "bad-threads" => ["--source", fx.Video, "--model", fx.Model, "--cpu-threads", "0"],
            _ => ["--source", fx.Video, "--model", fx.Model, "--device", "tpu"],
        };
        var (code, _, err) = await Run(args);
        Assert.Equal(2, code);
        string expected = kind switch
        {
            "missing-model" => "missing required option --model",
            "no-input" or "both-inputs" => "give exactly one of --camera N or --source FILE_OR_URL (or --sources FILE)",
            "bad-conf" => "--conf must be in [0,1], got 1.5",
            "unknown-option" => "unknown option --confidence",
            "bad-threads" => "--cpu-threads must be ≥ 1, got 0",
            _ => "--device 'tpu' is not one of auto, cpu, dml[:adapter], cuda[:id]",
        };
        Assert.Equal($"tood-live: error: {expected} (see tood-live --help)", OnlyErrorLine(err));
    }

    [Fact]
    public async Task Missing_video()
    {
        var (code, _, err) = await Run("--source", fx.PathFor("nope.mp4"), "--model", fx.Model);
        Assert.Equal(1, code);
        Assert.Equal($"tood-live: error: video not found: {fx.PathFor("nope.mp4")}", OnlyErrorLine(err));
    }

    [Fact]
    public async Task Corrupt_video()
    {
        var bad = fx.PathFor("corrupt.mp4");
        var bytes = new byte[50_000];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(bad, bytes);
        var (code, _, err) = await Run("--source", bad, "--model", fx.Model, "--output", fx.PathFor("corrupt_out.mp4"));
        Assert.Equal(1, code);
        Assert.Matches($"^tood-live: error: (cannot open video {System.Text.RegularExpressions.Regex.Escape(bad)}: not a video file or unsupported codec|video {System.Text.RegularExpressions.Regex.Escape(bad)} has no decodable frames \\(corrupt or empty\\))$", OnlyErrorLine(err));
        Assert.False(File.Exists(fx.PathFor("corrupt_out.mp4")));
    }

    [Fact]
    public async Task Camera_that_does_not_open()
    {
        var (code, _, err) = await Run("--camera", "97", "--model", fx.Model);
        Assert.Equal(1, code);
        Assert.Equal("tood-live: error: camera 97 could not be opened (no such device or it is in use)", OnlyErrorLine(err));
    }

    [Fact]
    public async Task Model_without_metadata_and_model_with_wrong_input()
    {
        var (code, _, err) = await Run("--source", fx.Video, "--model", fx.ModelNoMetadata, "--output", fx.PathFor("nometa_out.mp4"));
        Assert.Equal(1, code);
        Assert.Equal("tood-live: error: model nometa.onnx has no Tood metadata (tood.format_version missing); export it with 'tood-train export'", OnlyErrorLine(err));
        Assert.False(File.Exists(fx.PathFor("nometa_out.mp4")));

        (code, _, err) = await Run("--source", fx.Video, "--model", fx.ModelWrongInput);
        Assert.Equal(1, code);
        Assert.Equal("tood-live: error: model nchw.onnx: input 'images' must be uint8 [N,256,256,3] (letterboxed BGR), got float [?,3,256,256]", OnlyErrorLine(err));

        (code, _, err) = await Run("--source", fx.Video, "--model", fx.PathFor("absent.onnx"));
        Assert.Equal(1, code);
        Assert.Equal($"tood-live: error: model not found: {fx.PathFor("absent.onnx")}", OnlyErrorLine(err));
    }

    [Fact]
    public async Task Unwritable_output_paths_fail_before_anything_is_written()
    {
        var dirOut = fx.PathFor("nodir/out.mp4");
        var (code, _, err) = await Run("--source", fx.Video, "--model", fx.Model, "--output", dirOut, "--save-json", fx.PathFor("unw.jsonl"));
        Assert.Equal(1, code);
        Assert.Equal($"tood-live: error: --output {dirOut}: directory {Path.GetDirectoryName(dirOut)} does not exist", OnlyErrorLine(err));
        Assert.False(File.Exists(fx.PathFor("unw.jsonl")));

        Directory.CreateDirectory(fx.PathFor("adir.mp4"));
        (code, _, err) = await Run("--source", fx.Video, "--model", fx.Model, "--output", fx.PathFor("adir.mp4"));
        Assert.Equal(1, code);
        Assert.Equal($"tood-live: error: --output {fx.PathFor("adir.mp4")}: is a directory", OnlyErrorLine(err));
        Assert.Empty(Directory.GetFiles(fx.Dir, ".*partial*"));
    }

    [Fact]
    public async Task Requested_device_that_is_unavailable_is_an_error_not_a_fallback()
    {
        var (code, _, err) = await Run("--source", fx.Video, "--model", fx.Model, "--device", "dml");
        Assert.Equal(1, code);
        Assert.StartsWith("tood-live: error: --device dml: DmlExecutionProvider is not available in this ONNX Runtime build (available: ", OnlyErrorLine(err));
    }

    [Fact]
    public async Task Auto_device_logs_the_cpu_fallback()
    {
        var (code, _, err) = await Run("--source", fx.Video, "--model", fx.Model, "--vid-stride", "8");
        Assert.Equal(0, code);
        Assert.Contains("tood-live: device auto: no GPU execution provider available (", err);
        Assert.Contains("falling back to CPU", err);
    }
}
