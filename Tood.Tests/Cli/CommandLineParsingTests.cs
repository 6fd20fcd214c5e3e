using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Cli;

/// <summary>
/// Both tools on System.CommandLine: every usage error is one line on stderr naming the option, exit 2, before
/// anything runs or is written; response files, <c>--</c>, help and shell completion work as the library defines them.
/// </summary>
[Collection(RealtimeCollection.Name)]
public class CommandLineParsingTests(RealtimeFixture fx)
{
    private string[] Valid => ["--source", fx.Video, "--model", fx.Model];

    [Fact]
    public async Task An_option_value_that_is_another_option_is_an_error_not_a_file_name()
    {
        var cwd = Directory.GetCurrentDirectory();
        var r = await CliRun.Live([.. Valid, "--output", "--show"]);
        Assert.Equal(2, r.Code);
        Assert.Equal("tood-live: error: --output needs a value, got the option '--show' (see tood-live --help)", r.ErrorLine);
        Assert.False(File.Exists(Path.Combine(cwd, "--show")));
        // Last on the line: no value at all.
        r = await CliRun.Live([.. Valid, "--output"]);
        Assert.Equal((2, "tood-live: error: --output needs a value (see tood-live --help)"), (r.Code, r.ErrorLine));
    }

    [Theory]
    [InlineData("--conf", "0.3", "--conf", "0.4", "--conf given more than once")]
    [InlineData("--show", "--show", null, null, "--show given more than once")]
    [InlineData("--output", "a.mp4", "--output", "b.mp4", "--output given more than once")]
    public async Task A_repeated_single_value_option_is_an_error_not_last_wins(string a, string b, string? c, string? d, string message)
    {
        string[] extra = c is null ? [a, b] : [a, b, c, d!];
        var r = await CliRun.Live([.. Valid, .. extra]);
        Assert.Equal((2, $"tood-live: error: {message} (see tood-live --help)"), (r.Code, r.ErrorLine));
    }

    [Fact]
    public async Task Double_dash_then_a_stray_argument_is_an_error()
    {
        var r = await CliRun.Live([.. Valid, "--", "stray.mp4"]);
        Assert.Equal((2, "tood-live: error: unexpected argument 'stray.mp4' after '--' (no arguments are taken) (see tood-live --help)"), (r.Code, r.ErrorLine));
        r = await CliRun.Live([.. Valid, "stray.mp4"]);
        Assert.Equal((2, "tood-live: error: unknown command 'stray.mp4' (commands: bench, devices, val, mot-eval) (see tood-live --help)"), (r.Code, r.ErrorLine));
    }

    [Theory]
    [InlineData("--confidence", "0.3", "unknown option --confidence")]
    [InlineData("--batch", "two", "--batch expects an integer, got 'two'")]
    [InlineData("--conf", "high", "--conf expects a number, got 'high'")]
    [InlineData("--conf", "-0.5", "--conf must be in [0,1], got -0.5")]
    [InlineData("--vid-stride", "0", "--vid-stride must be ≥ 1, got 0")]
    [InlineData("--output", "out.avi", "--output out.avi: the video is written as mp4; use a .mp4 name")]
    [InlineData("--cpu-spin", "yes", "--cpu-spin must be on|off, got 'yes'")]
    public async Task Bad_values_name_the_option(string name, string value, string message)
    {
        var r = await CliRun.Live([.. Valid, name, value]);
        Assert.Equal((2, $"tood-live: error: {message} (see tood-live --help)"), (r.Code, r.ErrorLine));
        Assert.Equal("", r.Out);
    }

    [Fact]
    public async Task Missing_required_options_of_both_tools()
    {
        var r = await CliRun.Live("--source", fx.Video);
        Assert.Equal((2, "tood-live: error: missing required option --model (see tood-live --help)"), (r.Code, r.ErrorLine));
        r = await CliRun.Live("bench", "--model", fx.Model);
        Assert.Equal((2, "tood-live bench: error: missing required option --source (see tood-live bench --help)"), (r.Code, r.ErrorLine));
        r = await CliRun.Train("export", "--output", "x.onnx");
        Assert.Equal((2, "tood-train export: error: missing required option --checkpoint (see tood-train export --help)"), (r.Code, r.ErrorLine));
        r = await CliRun.Train("info", "--preset", "tiny", "--preset", "r18");
        Assert.Equal((2, "tood-train info: error: --preset given more than once (see tood-train info --help)"), (r.Code, r.ErrorLine));
        r = await CliRun.Train("deploy");
        Assert.Equal(2, r.Code);
        Assert.StartsWith("tood-train: error: unknown command 'deploy' (commands: train, eval, export, quantize, import-mmdet, info, synth, ablate, bench-train)", r.ErrorLine);
    }

    [Fact]
    public async Task Defaults_reach_the_pipeline_unchanged()
    {
        // tood-live with no detection options detects exactly what the library does with its defaults
        // (an absent option must not arrive as an empty --classes filter, a zero threshold, ...).
        var cli = fx.PathFor("defaults-cli.jsonl");
        var r = await CliRun.Live([.. Valid, "--device", "cpu", "--save-json", cli]);
        Assert.True(r.Code == 0, r.Err);
        var lib = fx.PathFor("defaults-lib.jsonl");
        using (var det = Tood.Realtime.Inference.Detector.Load(fx.Model, new Tood.Realtime.Inference.DetectorOptions
               { Device = Tood.Realtime.Inference.DeviceSpec.Cpu, Cpu = Tood.Realtime.Inference.CpuThreading.ForMode(live: false) }))
            await new Tood.Realtime.Pipeline.VideoPipeline(det, new Tood.Realtime.Pipeline.VideoPipelineOptions { Outputs = new() { Jsonl = lib } }, fx.Video).RunAsync();
        var lines = File.ReadAllLines(cli);
        Assert.Equal(RealtimeFixture.VideoFrames, lines.Length);
        Assert.Contains(lines, l => l.Contains("\"class_id\"", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllLines(lib), lines);
    }

    [Fact]
    public async Task A_response_file_supplies_the_options()
    {
        var jsonl = fx.PathFor("rsp.jsonl");
        var rsp = fx.PathFor("args.rsp");
        File.WriteAllLines(rsp, ["# a comment line", "--source", fx.Video, $"--model {fx.Model}", "--vid-stride 8", "--device cpu", $"--save-json {jsonl}"]);
        var r = await CliRun.Live($"@{rsp}");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(RealtimeFixture.VideoFrames / 8, File.ReadAllLines(jsonl).Length);

        var trainRsp = fx.PathFor("info.rsp");
        File.WriteAllLines(trainRsp, ["info", "--preset tiny", "--classes 3"]);
        r = await CliRun.Train($"@{trainRsp}");
        Assert.Equal(0, r.Code);
        Assert.StartsWith("preset tiny, head tood, 3 classes", r.Out);
    }

    [Fact]
    public async Task Help_exits_0_no_arguments_prints_help_and_exits_2()
    {
        var help = await CliRun.Live("--help");
        Assert.Equal(0, help.Code);
        Assert.StartsWith("Description:\n  tood-live — real-time TOOD object detection", help.Out);
        Assert.Contains("Usage:\n  tood-live (--camera N | --source FILE|DIR|GLOB|URL ... | --sources FILE) --model M.onnx [options]", help.Out);
        var none = await CliRun.Live();
        Assert.Equal((2, help.Out), (none.Code, none.Out));
        var train = await CliRun.Train();
        Assert.Equal(2, train.Code);
        Assert.Contains("Usage:\n  tood-train [command] [options]", train.Out);
        Assert.Equal(train.Out, (await CliRun.Train("help")).Out);
    }

    [Fact]
    public async Task Shell_completion_offers_options_and_values()
    {
        var r = await CliRun.Live("[suggest]", "--cpu-s");
        Assert.Equal((0, "--cpu-spin"), (r.Code, r.Out.Trim()));
        r = await CliRun.Live("[suggest:11]", "--cpu-spin ");
        Assert.Equal(["off", "on"], r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        r = await CliRun.Train("[suggest]", "bench-t");
        Assert.Equal("bench-train", r.Out.Trim());
    }
}
