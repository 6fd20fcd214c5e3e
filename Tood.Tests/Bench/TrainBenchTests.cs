using System.Text.Json;
using Tood.CommandLine;
using Tood.Realtime.Common;
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
        // Memory: a figure that cannot be read is null (no glibc, no /proc; the GC's before its first collection) and then
        // takes part in no relation rather than in a false one. The relations are the report's construction, not the
        // kernel's timing: every peak is the maximum of reads taken within its interval (MemorySampler), the steps lie
        // within the run, the RSS parts come from the same reads as the RSS, and malloc's in-use bytes are part of its held ones.
        var memory = r.GetProperty("memory_mb");
        double? Mb(string key) => memory.GetProperty(key) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;
        foreach (var key in TrainBenchReport.MemoryKeys)
            if (Mb(key) is { } v) Assert.True(v > 0, $"{key} = {v}");
        if (OperatingSystem.IsLinux()) Assert.NotNull(Mb("peak_rss"));                      // /proc/self/status
        if (ProcessMemory.Malloc() is not null) Assert.NotNull(Mb("malloc_held_peak"));   // glibc ≥ 2.33
        void AtMost(string part, string whole)
        {
            if (Mb(part) is { } p && Mb(whole) is { } w) Assert.True(p <= w, $"{part} {p} MB > {whole} {w} MB");
        }
        AtMost("peak_rss_steps", "peak_rss");
        AtMost("rss_anon_peak", "peak_rss_steps");
        AtMost("rss_file_peak", "peak_rss_steps");
        AtMost("malloc_in_use_peak", "malloc_held_peak");
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
        if (report.MemoryMb["peak_rss_steps"] is { } steps) // null where /proc/self/clear_refs is not writable
        {
            Assert.True(steps > 10, $"peak_rss_steps = {steps} MB");
            Assert.True(report.MemoryMb["peak_rss"] >= steps, $"peak_rss {report.MemoryMb["peak_rss"]} MB < peak_rss_steps {steps} MB");
        }
    }

    [Fact]
    public void Report_json_has_snake_case_names_in_declaration_order()
    {
        var report = new TrainBenchReport("tiny", "64x64", 2, "tal", 1, 3,
            new Dictionary<string, double> { ["forward"] = 1.5, ["total"] = 2 },
            new Dictionary<string, double> { ["assign"] = 0.25, ["data_wait"] = 0.125 },
            1000, 0.5, new Dictionary<string, double?> { ["peak_rss"] = 100, ["peak_rss_steps"] = null });
        const string expected = """
            {
              "preset": "tiny",
              "canvas": "64x64",
              "batch": 2,
              "assigner": "tal",
              "workers": 1,
              "steps": 3,
              "mean_ms": {
                "forward": 1.5,
                "total": 2
              },
              "share": {
                "assign": 0.25,
                "data_wait": 0.125
              },
              "images_per_second": 1000,
              "host_reads_per_step": 0.5,
              "memory_mb": {
                "peak_rss": 100,
                "peak_rss_steps": null
              },
              "assign_share": 0.25,
              "data_wait_share": 0.125
            }
            """;
        Assert.Equal(expected, JsonSerializer.Serialize(report, ReportJson.Options).ReplaceLineEndings("\n"));
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
