using Microsoft.ML.OnnxRuntime;

namespace Tood.Realtime.Inference;

/// <summary>
/// CPU execution provider threading (<see cref="DetectorOptions.Cpu"/>); null members keep ONNX Runtime's
/// defaults (one run at a time). Ignored by GPU providers (they run one at a time).
/// <list type="bullet">
/// <item><see cref="IntraOpThreads"/>: ONNX Runtime intra-op threads per run (ORT's default here: one per physical core as it counts them).</item>
/// <item><see cref="SpinWait"/>: whether idle intra-op threads spin-wait for the next parallel section (ORT's
/// default: yes). Spinning saves microseconds per op in a tight Run loop, but in a pipeline the spinning threads
/// take the cores that decode, drawing and encode need (BENCHMARKS.md §1).</item>
/// <item><see cref="Runs"/>: model runs in flight at once on the one session (ORT's Run is thread-safe). N
/// concurrent runs with one intra-op thread each beat one run with N threads: for the sample model on 2 cores,
/// raw 194 FPS against 135 (2 threads, spinning) and 107 (ORT defaults), `tood-live bench`, BENCHMARKS.md §1. More buffer sets are made if needed. Keep 1
/// for live mode, where one run using every core gives the lowest latency.</item>
/// </list>
/// </summary>
public readonly record struct CpuThreading(int? IntraOpThreads, bool? SpinWait, int? Runs = null)
{
    /// <summary>Runs in flight (null = 1).</summary>
    public int RunsInFlight => Runs ?? 1;

    /// <summary>tood-live's CPU defaults. File mode (throughput): one run per core, each single-threaded.
    /// Live mode (latency): one run using every core. Spin-waiting off in both (the other stages need the cores).</summary>
    public static CpuThreading ForMode(bool live) =>
        live ? new(Environment.ProcessorCount, false, 1) : new(1, false, Environment.ProcessorCount);

    /// <summary>This, with every member the user did not set taken from <paramref name="defaults"/>.</summary>
    public CpuThreading Or(CpuThreading defaults) =>
        new(IntraOpThreads ?? defaults.IntraOpThreads, SpinWait ?? defaults.SpinWait, Runs ?? defaults.Runs);

    /// <summary>ORT session config key (onnxruntime_session_options_config_keys.h).</summary>
    public const string SpinningKey = "session.intra_op.allow_spinning";

    public override string ToString() =>
        $"{RunsInFlight.ToString(System.Globalization.CultureInfo.InvariantCulture)} run(s) in flight × {(IntraOpThreads is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "ORT-default")} intra-op thread(s), spin-wait {(SpinWait is { } s ? (s ? "on" : "off") : "ORT default (on)")}";

    /// <exception cref="ArgumentOutOfRangeException">threads or runs below 1.</exception>
    public void Validate()
    {
        if (IntraOpThreads is < 1) throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "intra-op threads must be ≥ 1");
        if (Runs is < 1) throw new ArgumentOutOfRangeException(nameof(Runs), Runs, "runs in flight must be ≥ 1");
    }

    public void ApplyTo(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (IntraOpThreads is { } n) options.IntraOpNumThreads = n;
        if (SpinWait is { } spin) options.AddSessionConfigEntry(SpinningKey, spin ? "1" : "0");
    }
}
