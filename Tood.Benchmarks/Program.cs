using BenchmarkDotNet.Running;

namespace Tood.Benchmarks;

/// <summary><c>dotnet run -c Release --project Tood.Benchmarks -- --filter '*'</c> (BenchmarkDotNet switcher);
/// <c>-- tracker-cpu-ratio</c> runs <see cref="TrackerCpuRatio"/> instead.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["tracker-cpu-ratio"]) { TrackerCpuRatio.Run(); return; }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
