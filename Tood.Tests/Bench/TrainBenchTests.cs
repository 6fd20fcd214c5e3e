using System.Text.Json;
using Tood.CommandLine;
using Tood.Train.Cli;
using Tood.Train.Training;
using Xunit;

namespace Tood.Tests.Bench;

/// <summary><c>tood-train bench-train</c>: two measured TAL steps of the tiny preset at 64 px over a synthetic dataset.</summary>
[Collection(Export.ExportTestSupport.Serial)]
public class TrainBenchTests
{
    [Fact]
    public async Task Bench_train_reports_every_phase_and_shares_that_sum_to_one()
    {
        var json = Path.Combine(Directory.CreateTempSubdirectory("tood-bench-train-test-").FullName, "train.json");
        int code = await new BenchTrainCommand().RunAsync(["--preset", "tiny", "--imgsz", "64", "--batch", "2", "--steps", "2", "--workers", "1", "--json", json], default);
        Assert.Equal(0, code);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var r = doc.RootElement;
        Assert.Equal(2, r.GetProperty("steps").GetInt32());
        Assert.Equal("tal", r.GetProperty("assigner").GetString());
        var ms = r.GetProperty("mean_ms");
        var share = r.GetProperty("share");
        double total = ms.GetProperty("total").GetDouble(), shareSum = 0, msSum = 0;
        Assert.True(total > 0);
        foreach (var phase in TrainBenchReport.Phases)
        {
            double m = ms.GetProperty(phase).GetDouble(), s = share.GetProperty(phase).GetDouble();
            if (phase is "forward" or "assign" or "loss" or "backward" or "optimizer") Assert.True(m > 0, $"{phase} = {m} ms");
            Assert.True(m >= -1e-3, $"{phase} = {m} ms"); // 'other' is a difference of clocks
            Assert.Equal(m / total, s, 1e-9);
            shareSum += s; msSum += m;
        }
        Assert.Equal(1.0, shareSum, 1e-9);
        Assert.Equal(total, msSum, 1e-6 * total);
        Assert.Equal(2 / (total / 1000), r.GetProperty("images_per_second").GetDouble(), 1e-9);
        int retries = r.GetProperty("grad_retries").GetInt32(), clean = r.GetProperty("single_attempt_steps").GetInt32();
        Assert.InRange(clean, 0, 2);
        Assert.True(retries >= 2 - clean); // every step that is not clean was re-run at least once
        Assert.Equal(clean > 0 ? JsonValueKind.Object : JsonValueKind.Null, r.GetProperty("single_attempt_mean_ms").ValueKind);
    }

    [Theory]
    [InlineData("--imgsz", "100", "--imgsz must be a positive multiple of 32, got 100")]
    [InlineData("--steps", "0", "--steps must be ≥ 1, got 0")]
    [InlineData("--preset", "r101", "--preset must be tiny|r18|r18mlnet|r50, got 'r101'")]
    public void Bad_options_are_usage_errors(string name, string value, string message)
    {
        var e = Assert.Throws<UsageException>(() => BenchTrainCommand.Parse([name, value]));
        Assert.Equal(message, e.Message);
    }
}
