using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Inference;

/// <summary>How a <see cref="Detector"/> is loaded and decodes.</summary>
public sealed record DetectorOptions
{
    public DeviceSpec Device { get; init; } = DeviceSpec.Auto;
    /// <summary>Largest number of images per model run.</summary>
    public int MaxBatch { get; init; } = 1;
    public DecodeOptions Decode { get; init; } = new();
    /// <summary>Reusable input/output buffer sets (≥ 2 lets decoding overlap the next run).</summary>
    public int BufferSets { get; init; } = 3;
    /// <summary>Model runs allowed in flight at once on the one session (ONNX Runtime's Run is thread-safe).
    /// On CPU, N concurrent runs with one intra-op thread each beat one run with N threads: measured for the
    /// sample model on 2 cores, 190 runs/s against 152 (2 threads, spinning) and 111 (1 thread); BENCHMARKS.md §1.
    /// CPU provider only (GPU providers run one at a time); more buffer sets are made if needed. Keep 1 for
    /// live mode, where one run using every core gives the lowest latency.</summary>
    public int MaxConcurrentRuns { get; init; } = 1;
    /// <summary>CPU provider only: ONNX Runtime intra-op threads (null: ORT's default, one per physical core).</summary>
    public int? IntraOpThreads { get; init; }
    /// <summary>CPU provider only: whether idle intra-op threads spin-wait for the next parallel section
    /// (null: ORT's default, which spins). Spinning saves microseconds per op in a tight Run loop, but in a
    /// pipeline the spinning threads take the cores that decode, drawing and encode need (BENCHMARKS.md §1).</summary>
    public bool? SpinWait { get; init; }
    /// <summary>Receives informational messages (device fallback); null = silent.</summary>
    public Action<string>? Log { get; init; }
}
