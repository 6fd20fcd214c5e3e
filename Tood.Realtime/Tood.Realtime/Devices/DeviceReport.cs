using System.Globalization;
using System.Text;

namespace Tood.Realtime.Devices;

/// <summary>
/// What <c>tood-live devices</c> prints: the ONNX Runtime release (native and managed), the execution providers
/// this build has, and on Windows the DXGI adapters with the one plain <c>--device dml</c> runs on.
/// </summary>
public sealed record DeviceReport(OnnxRuntimeInfo Runtime, DxgiSnapshot? Dxgi)
{
    /// <summary>Reads this machine (DXGI only on Windows).</summary>
    public static DeviceReport Collect() => new(OnnxRuntimeInfo.Current(), DxgiAdapters.TryList());

    public override string ToString()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"ONNX Runtime {Runtime.NativeVersion} (native library), managed API {Runtime.ManagedVersion}\n");
        if (!Runtime.VersionsMatch)
            sb.Append(ci, $"warning: the native library and the managed API are different releases; install the pair docs/onnxruntime-versions.md names\n");
        sb.Append(ci, $"execution providers: {string.Join(", ", Runtime.Providers)}\n");
        if (Tood.Realtime.Inference.Int8Providers.DevicesNote(Runtime.Providers) is { } int8) sb.Append(int8).Append('\n');
        if (Dxgi is null)
        {
            sb.Append(OperatingSystem.IsWindows() ? "DXGI adapters: could not be listed\n" : "DXGI adapters: none (DirectML and DXGI are Windows-only)\n");
            return sb.ToString();
        }
        int? preferred = Dxgi.HighPerformanceIndex;
        sb.Append("DXGI adapters (--device dml:N runs on adapter N; --device dml on the one marked *):\n");
        if (Dxgi.Adapters.Count == 0) sb.Append("  none\n");
        int width = Dxgi.Adapters.Count == 0 ? 0 : Dxgi.Adapters.Max(a => a.Name.Length);
        foreach (var a in Dxgi.Adapters)
        {
            sb.Append(ci, $"  {(a.Index == preferred ? '*' : ' ')} {a.Index}  {a.Name.PadRight(width)}  {a.DedicatedVideoMemory / (1024 * 1024),6} MiB dedicated");
            if (a.IsSoftware) sb.Append("  (software: DirectML does not run on it)");
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
