using Microsoft.ML.OnnxRuntime;

namespace Tood.Realtime.Inference;

/// <summary>CPU execution provider threading (<see cref="DetectorOptions.IntraOpThreads"/>,
/// <see cref="DetectorOptions.SpinWait"/>, <see cref="DetectorOptions.MaxConcurrentRuns"/>); null members
/// keep ONNX Runtime's defaults (one run at a time).</summary>
public readonly record struct CpuThreading(int? IntraOpThreads, bool? SpinWait, int? Runs = null)
{
    /// <summary>tood-live's CPU defaults. File mode (throughput): one run per core, each single-threaded.
    /// Live mode (latency): one run using every core. Spin-waiting off in both (the other stages need the cores).</summary>
    public static CpuThreading ForMode(bool live) =>
        live ? new(Environment.ProcessorCount, false, 1) : new(1, false, Environment.ProcessorCount);

    /// <summary>This, with every member the user did not set taken from <paramref name="defaults"/>.</summary>
    public CpuThreading Or(CpuThreading defaults) =>
        new(IntraOpThreads ?? defaults.IntraOpThreads, SpinWait ?? defaults.SpinWait, Runs ?? defaults.Runs);

    /// <summary>ORT session config key (onnxruntime_session_options_config_keys.h).</summary>
    public const string SpinningKey = "session.intra_op.allow_spinning";

    /// <summary>Reads <c>--cpu-threads N</c>, <c>--cpu-runs N</c> and <c>--cpu-spin on|off</c> (tood-live and its
    /// bench); options not given stay null (see <see cref="Or"/>).</summary>
    public static CpuThreading Parse(Cli.ArgParser p)
    {
        ArgumentNullException.ThrowIfNull(p);
        int? threads = p.Has("cpu-threads") ? p.Int("cpu-threads", 0) : null;
        if (threads is < 1) throw new Cli.UsageException($"--cpu-threads must be ≥ 1, got {threads}");
        int? runs = p.Has("cpu-runs") ? p.Int("cpu-runs", 0) : null;
        if (runs is < 1) throw new Cli.UsageException($"--cpu-runs must be ≥ 1, got {runs}");
        bool? spin = p.String("cpu-spin") switch
        {
            null => null,
            "on" => true,
            "off" => false,
            var v => throw new Cli.UsageException($"--cpu-spin must be on|off, got '{v}'"),
        };
        return new CpuThreading(threads, spin, runs);
    }

    public override string ToString() =>
        $"{(Runs ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture)} run(s) in flight × {(IntraOpThreads is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "ORT-default")} intra-op thread(s), spin-wait {(SpinWait is { } s ? (s ? "on" : "off") : "ORT default (on)")}";

    public void ApplyTo(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (IntraOpThreads is { } n)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(IntraOpThreads));
            options.IntraOpNumThreads = n;
        }
        if (SpinWait is { } spin) options.AddSessionConfigEntry(SpinningKey, spin ? "1" : "0");
    }
}
