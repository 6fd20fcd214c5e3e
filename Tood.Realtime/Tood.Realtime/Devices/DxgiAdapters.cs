using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Tood.Realtime.Devices;

/// <summary>
/// Lists the DXGI adapters through dxgi.dll's COM interfaces, called through their vtables (no Windows SDK
/// package). Slots: IUnknown QueryInterface 0, Release 2; IDXGIFactory1::EnumAdapters1 12;
/// IDXGIAdapter1::GetDesc1 10; IDXGIFactory6::EnumAdapterByGpuPreference 29 (dxgi.h / dxgi1_6.h declaration order).
/// Windows only; <see cref="TryList"/> is the guarded entry point for every OS.
/// </summary>
internal static unsafe class DxgiAdapters
{
    private static readonly Guid IidFactory1 = new("770aae78-f26f-4dba-a829-253c83d1b387");
    private static readonly Guid IidFactory6 = new("c1b6694f-ff09-44a9-b03c-77900a0a1d17");
    private static readonly Guid IidAdapter1 = new("29038f61-3839-4626-91fd-086879011a05");
    private const int DxgiErrorNotFound = unchecked((int)0x887A0002);
    private const int GpuPreferenceHighPerformance = 2;
    private const uint AdapterFlagSoftware = 2;

    /// <summary>DXGI_ADAPTER_DESC1 (dxgi.h): 312 bytes on 64-bit Windows.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct AdapterDesc1
    {
        public fixed char Description[128];
        public uint VendorId, DeviceId, SubSysId, Revision;
        public nuint DedicatedVideoMemory, DedicatedSystemMemory, SharedSystemMemory;
        public uint LuidLowPart;
        public int LuidHighPart;
        public uint Flags;
    }

    /// <summary>The adapters, or null off Windows or when DXGI cannot be used (no dxgi.dll, a failing call).</summary>
    public static DxgiSnapshot? TryList()
    {
        if (!OperatingSystem.IsWindows()) return null;
        try { return List(); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or COMException) { return null; }
    }

    [SupportedOSPlatform("windows")]
    private static DxgiSnapshot List()
    {
        void* factory = null;
        Guid iid = IidFactory1;
        Check(CreateDXGIFactory1(&iid, &factory), "CreateDXGIFactory1");
        try
        {
            var adapters = new List<GpuAdapter>();
            for (uint i = 0; ; i++)
            {
                void* adapter = null;
                int hr = ((delegate* unmanaged[Stdcall]<void*, uint, void**, int>)Vtbl(factory)[12])(factory, i, &adapter);
                if (hr == DxgiErrorNotFound) break;
                Check(hr, "IDXGIFactory1::EnumAdapters1");
                try { adapters.Add(Describe(adapter, (int)i)); }
                finally { Release(adapter); }
            }
            return new DxgiSnapshot(adapters, HighPerformanceOrder(factory));
        }
        finally { Release(factory); }
    }

    /// <summary>LUIDs by IDXGIFactory6::EnumAdapterByGpuPreference(HIGH_PERFORMANCE); null without IDXGIFactory6.</summary>
    private static List<long>? HighPerformanceOrder(void* factory)
    {
        void* factory6 = null;
        Guid iid6 = IidFactory6;
        if (((delegate* unmanaged[Stdcall]<void*, Guid*, void**, int>)Vtbl(factory)[0])(factory, &iid6, &factory6) < 0) return null;
        try
        {
            var order = new List<long>();
            Guid iidAdapter = IidAdapter1;
            for (uint i = 0; ; i++)
            {
                void* adapter = null;
                int hr = ((delegate* unmanaged[Stdcall]<void*, uint, int, Guid*, void**, int>)Vtbl(factory6)[29])(
                    factory6, i, GpuPreferenceHighPerformance, &iidAdapter, &adapter);
                if (hr == DxgiErrorNotFound) break;
                Check(hr, "IDXGIFactory6::EnumAdapterByGpuPreference");
                try { order.Add(Describe(adapter, -1).Luid); }
                finally { Release(adapter); }
            }
            return order;
        }
        finally { Release(factory6); }
    }

    private static GpuAdapter Describe(void* adapter, int index)
    {
        AdapterDesc1 d;
        Check(((delegate* unmanaged[Stdcall]<void*, AdapterDesc1*, int>)Vtbl(adapter)[10])(adapter, &d), "IDXGIAdapter1::GetDesc1");
        string name = new string(d.Description, 0, 128).TrimEnd('\0');
        // DirectML refuses the software adapter ("Microsoft Basic Render Driver", vendor 0x1414 device 0x8c) too.
        bool software = (d.Flags & AdapterFlagSoftware) != 0 || (d.VendorId == 0x1414 && d.DeviceId == 0x8c);
        long luid = ((long)d.LuidHighPart << 32) | d.LuidLowPart;
        return new GpuAdapter(index, name, d.VendorId, d.DeviceId, d.DedicatedVideoMemory, d.SharedSystemMemory, luid, software);
    }

    private static void** Vtbl(void* com) => *(void***)com;

    private static void Release(void* com) => ((delegate* unmanaged[Stdcall]<void*, uint>)Vtbl(com)[2])(com);

    private static void Check(int hr, string call)
    {
        if (hr < 0) throw new COMException($"{call} failed (HRESULT 0x{hr:X8})", hr);
    }

    [DllImport("dxgi.dll", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    private static extern int CreateDXGIFactory1(Guid* riid, void** factory);
}
