using Tood.CommandLine;
using Tood.Realtime.Inference;

namespace Tood.Live.Cli;

/// <summary>Reads <c>--cpu-threads N</c>, <c>--cpu-runs N</c> and <c>--cpu-spin on|off</c> (tood-live and its
/// bench); options not given stay null (see <see cref="CpuThreading.Or"/>).</summary>
internal static class CpuThreadingArgs
{
    public static CpuThreading Parse(ArgParser p)
    {
        int? threads = p.Has("cpu-threads") ? p.Int("cpu-threads", 0) : null;
        if (threads is < 1) throw new UsageException($"--cpu-threads must be ≥ 1, got {threads}");
        int? runs = p.Has("cpu-runs") ? p.Int("cpu-runs", 0) : null;
        if (runs is < 1) throw new UsageException($"--cpu-runs must be ≥ 1, got {runs}");
        bool? spin = p.String("cpu-spin") switch
        {
            null => null,
            "on" => true,
            "off" => false,
            var v => throw new UsageException($"--cpu-spin must be on|off, got '{v}'"),
        };
        return new CpuThreading(threads, spin, runs);
    }
}
