namespace Tood.Realtime.Devices;

/// <summary>One DXGI adapter (Windows), as IDXGIAdapter1::GetDesc1 describes it. <see cref="Index"/> is its
/// IDXGIFactory1::EnumAdapters1 index: what <c>--device dml:N</c> and the DirectML provider's device id mean.</summary>
public sealed record GpuAdapter(int Index, string Name, uint VendorId, uint DeviceId, ulong DedicatedVideoMemory,
    ulong SharedSystemMemory, long Luid, bool IsSoftware);
