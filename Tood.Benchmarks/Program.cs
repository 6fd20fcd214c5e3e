using BenchmarkDotNet.Running;

namespace Tood.Benchmarks;

/// <summary><c>dotnet run -c Release --project Tood.Benchmarks -- --filter '*'</c> (BenchmarkDotNet switcher), or one
/// named measurement that does not fit BenchmarkDotNet (a whole run that prints a table), each with <c>--short</c> for a
/// quick smoke run: <c>-- tracker-cpu-ratio</c> (<see cref="TrackerCpuRatio"/>), <c>-- tracking</c>
/// (<see cref="TrackingAccuracy"/>), <c>-- encode</c> (<see cref="EncodeCost"/>), <c>-- pipeline-memory</c>
/// (<see cref="PipelineMemory"/>; exit code 1 when the working set grows).</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["tracker-cpu-ratio"]: TrackerCpuRatio.Run(); return 0;
            case ["tracking", .. var o]: TrackingAccuracy.Run(Short(o)); return 0;
            case ["encode", .. var o]: EncodeCost.Run(Short(o)); return 0;
            case ["pipeline-memory", .. var o]: return await PipelineMemory.RunAsync(Short(o)) ? 0 : 1;
            default: BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args); return 0;
        }
    }

    /// <summary>A named measurement's options: nothing (the full run) or <c>--short</c>.</summary>
    private static bool Short(string[] options) => options switch
    {
        [] => false,
        ["--short"] => true,
        _ => throw new ArgumentException($"unknown options '{string.Join(' ', options)}': a named measurement takes only --short"),
    };
}
