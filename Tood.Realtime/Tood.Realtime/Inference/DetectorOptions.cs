using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    /// <summary>CPU provider only: runs in flight, intra-op threads per run, spin-waiting (see
    /// <see cref="CpuThreading"/>). The default keeps ONNX Runtime's own settings, one run at a time.</summary>
    public CpuThreading Cpu { get; init; }
    /// <summary>Logs device fallback, adapter and lost-device recovery (categories: the classes that log them).</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
    /// <summary>Test seam: simulated GPU and lost-device faults (<see cref="DeviceFaultInjection"/>).</summary>
    internal DeviceFaultInjection? Faults { get; init; }
}
