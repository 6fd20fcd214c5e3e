using Microsoft.ML.OnnxRuntime;

namespace Tood.Realtime.Inference;

/// <summary>
/// Reads ONNX Runtime's errors. The managed <see cref="OnnxRuntimeException"/> keeps its error code internal and
/// writes it as the message prefix "[ErrorCode:NAME] " (every version since 1.0), so that prefix is what is read.
/// </summary>
internal static class OrtErrors
{
    /// <summary>The error code name ("InvalidProtobuf", "NotImplemented", ...), or null when there is none.</summary>
    public static string? Code(Exception e)
    {
        const string prefix = "[ErrorCode:";
        if (e is not OnnxRuntimeException || !e.Message.StartsWith(prefix, StringComparison.Ordinal)) return null;
        int end = e.Message.IndexOf(']', prefix.Length);
        return end < 0 ? null : e.Message[prefix.Length..end];
    }

    /// <summary>The file is no ONNX model at all (not protobuf, truncated, empty, missing, a directory).</summary>
    public static bool IsUnreadableModel(Exception e) => Code(e) is "InvalidProtobuf" or "NoSuchFile" or "NoModel" or "InvalidArgument";

    /// <summary>
    /// A provider/driver failure while appending an execution provider: ORT errors, a managed layer that does not
    /// accept the provider, an entry point the native build lacks, a provider library that does not load.
    /// </summary>
    public static bool IsProviderFailure(Exception e) =>
        e is OnnxRuntimeException or NotSupportedException or EntryPointNotFoundException or DllNotFoundException;

    // DXGI_ERROR_DEVICE_REMOVED / _HUNG / _RESET / DRIVER_INTERNAL_ERROR, as DirectML's HRESULT text
    // ("... 887A0005 The GPU device instance has been suspended ...") or by name.
    private static readonly string[] DmlLost = ["887A0005", "887A0006", "887A0007", "887A0020", "DXGI_ERROR_DEVICE_", "DXGI_ERROR_DRIVER_INTERNAL_ERROR"];
    // ORT's CUDA provider reports every CUDA/cuDNN/cuBLAS error as "CUDA failure N: ...", "CUDNN failure N: ..."
    // (cuda_call.cc) or "CUDA error cudaError...": after a sticky one (700 illegal address, 719 launch failure)
    // the context is unusable and only a new session on a fresh context can tell whether the device is back.
    private static readonly string[] CudaLost = ["CUDA failure", "CUDA error", "CUDNN failure", "CUBLAS failure", "cudaError"];

    /// <summary>A Run failed because the GPU behind <paramref name="kind"/> was lost or reset.</summary>
    public static bool IsDeviceLost(Exception e, DeviceKind kind)
    {
        if (e is not OnnxRuntimeException) return false;
        var markers = kind switch { DeviceKind.DirectML => DmlLost, DeviceKind.Cuda => CudaLost, _ => [] };
        foreach (var m in markers)
            if (e.Message.Contains(m, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>The first line of the message without the "[ErrorCode:...] " prefix: what a one-line error shows.</summary>
    public static string FirstLine(Exception e)
    {
        var s = e.Message;
        if (Code(e) is not null) s = s[(s.IndexOf(']', StringComparison.Ordinal) + 1)..];
        int i = s.IndexOf('\n');
        return (i < 0 ? s : s[..i]).Trim();
    }
}
