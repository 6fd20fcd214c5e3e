using Tood.CommandLine;
using Tood.Train.Cli;
using Tood.Train.Model;
using Tood.Train.Training;
using Xunit;

namespace Tood.Tests.Training;

public class TrainCommandTests
{
    private static readonly string[] Base = ["--data", "a.json", "--images", "img", "--out", "run"];

    [Fact]
    public void Parses_options_with_spec_defaults()
    {
        var o = TrainCommand.Parse([.. Base, "--preset", "r18", "--head", "parallel", "--schedule", "cosine", "--clip-grad", "35", "--accumulate", "4", "--resume"]);
        Assert.Equal(("r18", HeadKind.Parallel, ScheduleKind.Cosine, 35.0, 4, true), (o.Preset, o.Head, o.Schedule, o.ClipGrad!.Value, o.Accumulate, o.Resume));
        var d = TrainCommand.Parse(Base);
        Assert.Equal((0.01, 500, 4, 12, 16, (double?)null), (d.Lr, d.WarmupIters, d.WarmupEpochs, d.Epochs, d.BatchSize, d.ClipGrad));
    }

    [Theory]
    [InlineData("--imgsz", "100", "--imgsz must be a positive multiple of 32, got 100")]
    [InlineData("--schedule", "poly", "--schedule must be step|cosine, got 'poly'")]
    [InlineData("--preset", "r101", "--preset must be tiny|r18|r18mlnet|r50, got 'r101'")]
    [InlineData("--bogus", "1", "unknown option --bogus")]
    public void Bad_options_are_one_line_usage_errors(string name, string value, string message)
    {
        var e = Assert.Throws<UsageException>(() => TrainCommand.Parse([.. Base, name, value]));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task Missing_annotation_file_exits_1()
    {
        var code = await new TrainCommand().RunAsync(["--data", "/nonexistent/a.json", "--images", "/tmp", "--out", Path.Combine(Path.GetTempPath(), "tood-run-missing"), "--device", "cpu"], default);
        Assert.Equal(1, code);
    }
}
