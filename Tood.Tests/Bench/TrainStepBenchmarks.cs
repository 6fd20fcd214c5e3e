using System.Text.Json;
using Tood.Tests.Realtime;
using Tood.Train.Training;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Bench;

/// <summary>
/// The r50 recipe's training step at its padded canvas (1333×800 → 1344×800), batch 2, TAL: time per phase and
/// peak memory (<see cref="TrainStepBench"/> with a non-square canvas). Minutes on a CPU, so only with TOOD_BENCH=1:
/// <c>TOOD_BENCH=1 dotnet test Tood.Tests -c Release --filter "FullyQualifiedName~TrainStepBenchmarks" --logger "console;verbosity=detailed"</c>;
/// TOOD_BENCH_OUT=FILE also writes the JSON report.
/// </summary>
public class TrainStepBenchmarks(ITestOutputHelper output)
{
    [BenchmarkFact]
    public async Task R50_step_at_1344x800_batch_2()
    {
        var report = await TrainStepBench.RunAsync(new TrainBenchOptions { Preset = "r50", Canvas = (1344, 800), BatchSize = 2, Steps = 1 });
        output.WriteLine(report.ToTable());
        if (Environment.GetEnvironmentVariable("TOOD_BENCH_OUT") is { } path)
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        Assert.True(report.MemoryMb["peak_rss_steps"] > 0);
    }
}
