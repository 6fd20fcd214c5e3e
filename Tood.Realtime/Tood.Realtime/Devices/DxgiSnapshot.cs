namespace Tood.Realtime.Devices;

/// <summary>
/// The DXGI adapters of this machine (<see cref="Adapters"/>, EnumAdapters1 order) and the LUIDs in the order
/// Windows ranks them for high performance (<see cref="HighPerformanceOrder"/>, IDXGIFactory6::EnumAdapterByGpuPreference;
/// null before Windows 10 1803). <see cref="HighPerformanceIndex"/> is the adapter plain <c>--device dml</c> runs on.
/// </summary>
public sealed record DxgiSnapshot(IReadOnlyList<GpuAdapter> Adapters, IReadOnlyList<long>? HighPerformanceOrder)
{
    /// <summary>
    /// The first hardware adapter in high-performance order (or, without that order, in enumeration order): the
    /// DirectML provider's choice for performance_preference=high_performance, device_filter=gpu, which also
    /// skips software adapters. Null when there is no hardware adapter.
    /// </summary>
    public int? HighPerformanceIndex
    {
        get
        {
            var hardware = Adapters.Where(a => !a.IsSoftware).ToList();
            if (HighPerformanceOrder is { } order)
                foreach (long luid in order)
                    if (hardware.FirstOrDefault(a => a.Luid == luid) is { } preferred) return preferred.Index;
            return hardware.Count > 0 ? hardware[0].Index : null;
        }
    }

    /// <summary>The adapter a DirectML device runs on: adapter <paramref name="index"/> for dml:N, else (null) the high-performance one.</summary>
    public GpuAdapter? AdapterFor(int? index)
    {
        int? i = index ?? HighPerformanceIndex;
        return Adapters.FirstOrDefault(a => a.Index == i);
    }
}
