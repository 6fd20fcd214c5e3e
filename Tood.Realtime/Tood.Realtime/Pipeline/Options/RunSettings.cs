namespace Tood.Realtime.Pipeline;

/// <summary>How frames move through a run: batching, stride, live or file mode, queue depth.</summary>
public sealed record RunSettings
{
    /// <summary>Images per model run (≤ the detector's MaxBatch).</summary>
    public int Batch { get; init; } = 1;
    /// <summary>Process every K-th frame (like YOLO's vid_stride); the output video keeps its duration (fps / K).</summary>
    public int VidStride { get; init; } = 1;
    /// <summary>Live mode: capture never waits, and a run takes the newest frame when it starts (older ones are dropped
    /// and counted). Null = from the sources (camera, URL and realtime replay are live, a file is not).</summary>
    public bool? Live { get; init; }
    /// <summary>Bounded channel capacity between stages in file mode (live mode uses 1).</summary>
    public int QueueCapacity { get; init; } = 4;

    internal void Validate()
    {
        if (Batch <= 0) throw new ArgumentOutOfRangeException(nameof(Batch), $"{nameof(Batch)} must be ≥ 1");
        if (VidStride <= 0) throw new ArgumentOutOfRangeException(nameof(VidStride), $"{nameof(VidStride)} must be ≥ 1");
        if (QueueCapacity <= 0) throw new ArgumentOutOfRangeException(nameof(QueueCapacity), $"{nameof(QueueCapacity)} must be ≥ 1");
    }
}
