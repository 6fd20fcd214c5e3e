using System.Runtime.InteropServices;
using System.Text.Json;
using Tood.CommandLine;
using Tood.Live.Cli;
using Tood.Realtime.Devices;
using Xunit;

namespace Tood.Tests.Realtime.Devices;

/// <summary>
/// <c>tood-live devices</c>' report: what this Linux machine has (real ORT), the DXGI adapter table and the
/// adapter plain <c>--device dml</c> means, on hand-made adapter lists (DXGI itself only runs on Windows), and the
/// DXGI_ADAPTER_DESC1 layout the P/Invoke reads, against the offsets hand-computed from dxgi.h for 64-bit Windows.
/// </summary>
public class DeviceReportTests
{
    private static GpuAdapter Adapter(int index, string name, ulong mib, long luid, bool software = false) =>
        new(index, name, 0x10DE, 0x1234, mib * 1024 * 1024, 0, luid, software);

    // A hybrid laptop: DXGI enumerates the integrated GPU first (it drives the display), Windows ranks the
    // discrete one first for high performance, and the software adapter last.
    private static readonly GpuAdapter[] Hybrid =
    [
        Adapter(0, "Intel(R) UHD Graphics 620", 128, luid: 0x1111),
        Adapter(1, "NVIDIA GeForce MX250", 2048, luid: 0x2222),
        Adapter(2, "Microsoft Basic Render Driver", 0, luid: 0x3333, software: true),
    ];

    /// <summary>The ONNX Runtime packages this build shipped, from the test assembly's deps.json: the native package
    /// (CPU, DirectML or GPU, by platform and build options) with its version, and the managed API's version.</summary>
    private static (string Native, string NativeVersion, string ManagedVersion) ShippedOnnxRuntime()
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Tood.Tests.deps.json")));
        var ort = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.Split('/'))
            .Where(n => n[0].StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal)).ToList();
        var native = Assert.Single(ort, n => n[0] != "Microsoft.ML.OnnxRuntime.Managed");
        var managed = Assert.Single(ort, n => n[0] == "Microsoft.ML.OnnxRuntime.Managed");
        return (native[0], native[1], managed[1]);
    }

    [Fact]
    public void Report_names_the_onnx_runtime_release_this_build_ships_and_its_providers()
    {
        var (package, version, managed) = ShippedOnnxRuntime();
        var report = DeviceReport.Collect();
        Assert.Equal((version, managed), (report.Runtime.NativeVersion, report.Runtime.ManagedVersion));
        Assert.Equal(version, managed); // each native package brings its own managed API (docs/onnxruntime-versions.md)
        Assert.Contains("CPUExecutionProvider", report.Runtime.Providers);
        if (package.EndsWith(".DirectML", StringComparison.Ordinal)) Assert.Contains("DmlExecutionProvider", report.Runtime.Providers);
        if (package.EndsWith(".Gpu", StringComparison.Ordinal)) Assert.Contains("CUDAExecutionProvider", report.Runtime.Providers);
        Assert.StartsWith($"ONNX Runtime {version} (native library), managed API {version}\nexecution providers: {string.Join(", ", report.Runtime.Providers)}\n", report.ToString());
    }

    [SkippableFact]
    public void Off_windows_the_report_names_the_release_and_providers_and_no_adapters()
    {
        Skip.If(OperatingSystem.IsWindows(), "the Windows report lists the DXGI adapters: On_windows_the_report_lists_the_dxgi_adapters checks it");
        var (package, version, _) = ShippedOnnxRuntime();
        Skip.If(package != "Microsoft.ML.OnnxRuntime", $"built with {package}, whose providers are not the CPU package's one");
        var report = DeviceReport.Collect();
        Assert.Null(report.Dxgi);
        Assert.Equal(
            $"ONNX Runtime {version} (native library), managed API {version}\n" +
            "execution providers: CPUExecutionProvider\n" +
            "DXGI adapters: none (DirectML and DXGI are Windows-only)\n", report.ToString());
        Assert.Equal("1.31.1", version); // the release Directory.Build.props pins for Linux (OnnxRuntimeVersion)
    }

    [SkippableFact]
    public void On_windows_the_report_lists_the_dxgi_adapters_and_marks_the_one_plain_dml_runs_on()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), "DXGI is Windows-only; off Windows the report says so (Off_windows_the_report_...)");
        var report = DeviceReport.Collect();
        var lines = report.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (report.Dxgi is not { } dxgi)
        {
            Assert.Equal("DXGI adapters: could not be listed", lines[^1]); // no dxgi.dll (e.g. a Server Core container)
            return;
        }
        Assert.Equal(Enumerable.Range(0, dxgi.Adapters.Count), dxgi.Adapters.Select(a => a.Index));
        int header = Array.IndexOf(lines, "DXGI adapters (--device dml:N runs on adapter N; --device dml on the one marked *):");
        Assert.True(header > 0, report.ToString());
        var rows = lines[(header + 1)..];
        if (dxgi.Adapters.Count == 0) Assert.Equal(["  none"], rows);
        else
        {
            Assert.Equal(dxgi.Adapters.Count, rows.Length);
            for (int i = 0; i < rows.Length; i++) Assert.Contains($" {i}  {dxgi.Adapters[i].Name}", rows[i], StringComparison.Ordinal);
        }
        // Plain --device dml: a hardware adapter (DirectML refuses software ones), the one marked *, or none at all.
        var preferred = dxgi.HighPerformanceIndex;
        Assert.Equal(preferred is null ? 0 : 1, rows.Count(r => r.StartsWith("  * ", StringComparison.Ordinal)));
        if (preferred is { } p)
        {
            Assert.False(dxgi.Adapters[p].IsSoftware);
            Assert.StartsWith($"  * {p}  {dxgi.Adapters[p].Name}", rows[p]);
            Assert.Equal(dxgi.Adapters[p], dxgi.AdapterFor(null));
        }
    }

    [Fact]
    public async Task Devices_command_prints_the_report_and_exits_0()
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        int code = await LiveCli.RunAsync(["devices"], new CliConsole(o, e, InteractiveError: false), CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Equal("", e.ToString());
        Assert.Equal(DeviceReport.Collect().ToString(), o.ToString());
        var (_, version, _) = ShippedOnnxRuntime();
        Assert.StartsWith($"ONNX Runtime {version} (native library), managed API {version}\n", o.ToString());
    }

    [Fact]
    public void Plain_dml_means_the_high_performance_hardware_adapter()
    {
        Assert.Equal(1, new DxgiSnapshot(Hybrid, [0x2222, 0x1111, 0x3333]).HighPerformanceIndex);
        // Before Windows 10 1803 (no IDXGIFactory6): the first hardware adapter in enumeration order.
        Assert.Equal(0, new DxgiSnapshot(Hybrid, null).HighPerformanceIndex);
        // Software adapters never: DirectML refuses them.
        Assert.Equal(1, new DxgiSnapshot(Hybrid, [0x3333, 0x2222]).HighPerformanceIndex);
        Assert.Null(new DxgiSnapshot([Hybrid[2]], [0x3333]).HighPerformanceIndex);
        var snapshot = new DxgiSnapshot(Hybrid, [0x2222, 0x1111, 0x3333]);
        Assert.Equal("NVIDIA GeForce MX250", snapshot.AdapterFor(null)?.Name);
        Assert.Equal("Intel(R) UHD Graphics 620", snapshot.AdapterFor(0)?.Name);
        Assert.Null(snapshot.AdapterFor(7));
    }

    [Fact]
    public void Adapter_table_marks_the_one_plain_dml_runs_on()
    {
        var report = new DeviceReport(new OnnxRuntimeInfo("1.23.0", "1.23.0", ["DmlExecutionProvider", "CPUExecutionProvider"]),
            new DxgiSnapshot(Hybrid, [0x2222, 0x1111, 0x3333]));
        Assert.Equal(
            "ONNX Runtime 1.23.0 (native library), managed API 1.23.0\n" +
            "execution providers: DmlExecutionProvider, CPUExecutionProvider\n" +
            "int8 models (tood.precision=int8): int8 kernels on CPUExecutionProvider only; DmlExecutionProvider runs them dequantized, in float (no speed-up: use --device cpu)\n" +
            "DXGI adapters (--device dml:N runs on adapter N; --device dml on the one marked *):\n" +
            "    0  Intel(R) UHD Graphics 620         128 MiB dedicated\n" +
            "  * 1  NVIDIA GeForce MX250             2048 MiB dedicated\n" +
            "    2  Microsoft Basic Render Driver       0 MiB dedicated  (software: DirectML does not run on it)\n",
            report.ToString());
    }

    [Fact]
    public void Mismatched_native_and_managed_releases_are_reported()
    {
        var report = new DeviceReport(new OnnxRuntimeInfo("1.23.0", "1.31.1", ["CPUExecutionProvider"]), null);
        Assert.Contains("\nwarning: the native library and the managed API are different releases; install the pair docs/onnxruntime-versions.md names\n", report.ToString());
    }

    [SkippableFact]
    public void Adapter_description_struct_has_the_dxgi_layout()
    {
        // dxgi.h: WCHAR Description[128] (256 B); UINT VendorId, DeviceId, SubSysId, Revision (16 B);
        // SIZE_T DedicatedVideoMemory, DedicatedSystemMemory, SharedSystemMemory (3 × 8 B at 272);
        // LUID AdapterLuid (DWORD LowPart, LONG HighPart at 296); UINT Flags at 304; size 312 (8-byte aligned).
        Skip.If(IntPtr.Size != 8, "a 32-bit process: the offsets checked are 64-bit Windows's");
        Assert.Equal(312, Marshal.SizeOf<DxgiAdapters.AdapterDesc1>());
        Assert.Equal(256, (int)Marshal.OffsetOf<DxgiAdapters.AdapterDesc1>(nameof(DxgiAdapters.AdapterDesc1.VendorId)));
        Assert.Equal(272, (int)Marshal.OffsetOf<DxgiAdapters.AdapterDesc1>(nameof(DxgiAdapters.AdapterDesc1.DedicatedVideoMemory)));
        Assert.Equal(288, (int)Marshal.OffsetOf<DxgiAdapters.AdapterDesc1>(nameof(DxgiAdapters.AdapterDesc1.SharedSystemMemory)));
        Assert.Equal(296, (int)Marshal.OffsetOf<DxgiAdapters.AdapterDesc1>(nameof(DxgiAdapters.AdapterDesc1.LuidLowPart)));
        Assert.Equal(304, (int)Marshal.OffsetOf<DxgiAdapters.AdapterDesc1>(nameof(DxgiAdapters.AdapterDesc1.Flags)));
    }

    [SkippableFact]
    public void Dxgi_is_not_touched_off_windows()
    {
        Skip.If(OperatingSystem.IsWindows(), "on Windows DXGI is used: On_windows_the_report_lists_the_dxgi_adapters checks it");
        Assert.Null(DxgiAdapters.TryList());
    }
}
