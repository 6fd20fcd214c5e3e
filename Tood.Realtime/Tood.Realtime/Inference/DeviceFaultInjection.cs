namespace Tood.Realtime.Inference;

/// <summary>
/// Test seam (fault injection) for what no test machine can produce, a GPU lost during a run: the engine believes
/// it runs on <see cref="SimulatedDevice"/> while the CPU execution provider stands in for it, and
/// <see cref="OnRun"/> returns the exception a lost device throws (or null) before each run on a GPU device.
/// Internal: set only by tests through <see cref="DetectorOptions.Faults"/>.
/// </summary>
internal sealed class DeviceFaultInjection
{
    public required DeviceSpec SimulatedDevice { get; init; }
    public required Func<DeviceSpec, Exception?> OnRun { get; init; }
}
