using System.Text.Json;
using Tood.CommandLine;
using Tood.Train.Cli;
using Tood.Train.Training;
using Xunit;

namespace Tood.Tests.Bench;

/// <summary><c>tood-train bench-train</c>: two measured TAL steps of the tiny preset at 64 px over a synthetic dataset, and the
/// non-square step probe.</summary>
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
        // LogEvery is off in the bench: the only read of the measured steps is the epoch's last iteration's log line.
        Assert.Equal(0.5, r.GetProperty("host_reads_per_step").GetDouble(), 1e-9);
        var memory = r.GetProperty("memory_mb");
        foreach (var key in TrainBenchReport.MemoryKeys)
            Assert.True(memory.GetProperty(key).GetDouble() > 0, $"{key} = {memory.GetProperty(key)}");
        // The parts cannot exceed the whole: sampled anonymous + file-backed RSS ≤ the high-water mark (plus 5 % for
        // sampling at different instants), malloc's bytes in use ≤ the bytes it holds.
        Assert.True(memory.GetProperty("rss_anon_peak").GetDouble() <= 1.05 * memory.GetProperty("peak_rss").GetDouble());
        Assert.True(memory.GetProperty("malloc_in_use_peak").GetDouble() <= memory.GetProperty("malloc_held_peak").GetDouble());
        Assert.True(memory.GetProperty("peak_rss").GetDouble() >= memory.GetProperty("peak_rss_steps").GetDouble());
    }

    [Fact]
    public async Task Non_square_canvas_runs_the_step_probe_at_that_size()
    {
        var report = await TrainStepBench.RunAsync(new TrainBenchOptions { Preset = "tiny", Canvas = (96, 64), BatchSize = 2, Steps = 1 });
        Assert.Equal("96x64", report.Canvas);
        Assert.Equal(1, report.Steps);
        foreach (var phase in new[] { "forward", "assign", "loss", "backward", "optimizer" })
            Assert.True(report.MeanMs[phase] > 0, $"{phase} = {report.MeanMs[phase]} ms");
        Assert.Equal(0, report.HostReadsPerStep);
        Assert.True(report.MemoryMb["peak_rss_steps"] > 10);
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
