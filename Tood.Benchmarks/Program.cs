using BenchmarkDotNet.Running;

namespace Tood.Benchmarks;

/// <summary><c>dotnet run -c Release --project Tood.Benchmarks -- --filter '*'</c> (BenchmarkDotNet switcher).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
