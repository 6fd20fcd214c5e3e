using System.Text.Json;
using Tood.CommandLine;
using Tood.Live.Cli;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Bench;

/// <summary><c>tood-live bench --model A --model B</c>: both models measured in one run, side by side (no speed asserted).</summary>
[Collection(RealtimeCollection.Name)]
public class BenchComparisonTests(RealtimeFixture fx)
{
    [Fact]
    public async Task Two_models_are_measured_side_by_side_with_ratios_to_the_first()
    {
        var copy = fx.PathFor("copy_of_tiny.onnx");
        File.Copy(fx.TinyModel, copy, overwrite: true);
        var json = fx.PathFor("compare.json");
        var (o, e) = (new StringWriter(), new StringWriter());
        int code = await LiveCli.RunAsync(["bench", "--model", fx.TinyModel, "--model", copy, "--source", fx.Video, "--frames", "4", "--rounds", "2", "--json", json],
            new CliConsole(o, e, false), CancellationToken.None);
        Assert.True(code == 0, e.ToString());
        var table = o.ToString();
        Assert.Contains("medians of 2 interleaved rounds", table, StringComparison.Ordinal);
        Assert.Contains("raw ms/frame  (x first)", table, StringComparison.Ordinal);
        Assert.Contains("copy_of_tiny.onnx", table, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var models = doc.RootElement.GetProperty("models");
        Assert.Equal(2, models.GetArrayLength());
        foreach (var m in models.EnumerateArray())
        {
            Assert.Equal("fp32", m.GetProperty("precision").GetString());
            Assert.Equal(2, m.GetProperty("raw_ms_rounds").GetArrayLength());
            Assert.Equal(2, m.GetProperty("pipeline_fps_rounds").GetArrayLength());
            Assert.True(m.GetProperty("raw_ms_per_frame").GetDouble() > 0);
            Assert.True(m.GetProperty("raw_single_run_ms_per_frame").GetDouble() > 0);
            Assert.True(m.GetProperty("pipeline_fps").GetDouble() > 0);
        }
    }
}
