using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Tood.Realtime.Devices;

namespace Tood.Realtime.Inference;

/// <summary>An execution provider was asked for explicitly but this ONNX Runtime build or machine cannot provide
/// it: not in the build, failed to start (<see cref="SessionFactory"/>), or lost during a run (<see cref="DeviceLostException"/>).</summary>
public class ExecutionProviderUnavailableException(string message) : Exception(message);

/// <summary>
/// Chooses and configures the ONNX Runtime execution provider. <c>auto</c>: DirectML on Windows, else CUDA,
/// else CPU (logged). Explicit dml/cuda that is missing is an error, never a silent fallback. Compiles on
/// every OS: the managed AppendExecutionProvider_* API is the same assembly in every ORT flavour.
/// </summary>
public static class ExecutionProviderSelector
{
    public const string CpuProvider = "CPUExecutionProvider";
    public const string DmlProvider = "DmlExecutionProvider";
    public const string CudaProvider = "CUDAExecutionProvider";

    public static IReadOnlyList<string> AvailableProviders() => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>The provider a resolved GPU device runs on.</summary>
    public static string ProviderOf(DeviceSpec device) => device.Kind switch
    {
        DeviceKind.DirectML => DmlProvider,
        DeviceKind.Cuda => CudaProvider,
        _ => CpuProvider,
    };

    /// <summary>Resolves <paramref name="requested"/> against the available providers (no side effects but the log).</summary>
    public static DeviceSpec Resolve(DeviceSpec requested, IReadOnlyCollection<string> available, bool isWindows, ILoggerFactory? loggerFactory)
    {
        switch (requested.Kind)
        {
            case DeviceKind.Cpu:
                return requested;
            case DeviceKind.DirectML:
                if (!available.Contains(DmlProvider)) throw Unavailable(requested, DmlProvider, available,
                    "install the Microsoft.ML.OnnxRuntime.DirectML build (Windows only) or use --device cpu");
                return requested;
            case DeviceKind.Cuda:
                if (!available.Contains(CudaProvider)) throw Unavailable(requested, CudaProvider, available,
                    "build with -p:OrtBackend=cuda (Microsoft.ML.OnnxRuntime.Gpu) or use --device cpu");
                return requested;
            default:
                if (isWindows && available.Contains(DmlProvider)) return new DeviceSpec(DeviceKind.DirectML);
                if (available.Contains(CudaProvider)) return new DeviceSpec(DeviceKind.Cuda, 0);
                loggerFactory?.CreateLogger(typeof(ExecutionProviderSelector))
                    .LogInformation("device auto: no GPU execution provider available ({Providers}); falling back to CPU", string.Join(", ", available));
                return DeviceSpec.Cpu;
        }
    }

    /// <summary>
    /// Appends the provider for an already-resolved device to <paramref name="options"/>. DirectML rules:
    /// memory pattern off, sequential execution, fixed shapes (the batch dimension is pinned by
    /// AddFreeDimensionOverrideByName with <paramref name="batchDimName"/> = <paramref name="batch"/>).
    /// Plain <c>dml</c> asks the provider for the high-performance GPU (its options performance_preference and
    /// device_filter, DXCore's ordering, ORT ≥ 1.20 natives); where the managed layer does not pass the "DML"
    /// name through (older managed builds accept only a few names there), the DXGI adapter Windows ranks
    /// high-performance is passed by index instead. <c>dml:N</c> is DXGI adapter N (IDXGIFactory1::EnumAdapters1
    /// order, what the provider's device id means); <c>tood-live devices</c> lists both.
    /// </summary>
    public static void Configure(SessionOptions options, DeviceSpec device, string? batchDimName, int batch)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (device.Kind)
        {
            case DeviceKind.DirectML:
                options.EnableMemoryPattern = false;
                options.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
                if (!string.IsNullOrEmpty(batchDimName)) options.AddFreeDimensionOverrideByName(batchDimName, batch);
                if (device.Id is { } adapter) options.AppendExecutionProvider_DML(adapter);
                else AppendHighPerformanceDml(options);
                break;
            case DeviceKind.Cuda:
                options.AppendExecutionProvider_CUDA(device.Id ?? 0);
                break;
            case DeviceKind.Cpu:
                break;
            default:
                throw new ArgumentException("resolve 'auto' before configuring", nameof(device));
        }
    }

    /// <summary>DirectML provider options (dml_provider_factory.cc, CreateFromProviderOptions) for plain <c>dml</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> HighPerformanceDmlOptions = new Dictionary<string, string>
    {
        ["performance_preference"] = "high_performance",
        ["device_filter"] = "gpu",
    };

    private static void AppendHighPerformanceDml(SessionOptions options)
    {
        try { options.AppendExecutionProvider("DML", new Dictionary<string, string>(HighPerformanceDmlOptions)); }
        catch (NotSupportedException)
        {
            options.AppendExecutionProvider_DML(DxgiAdapters.TryList()?.HighPerformanceIndex ?? 0);
        }
    }

    /// <summary>Message text: "--device X: P is not available in this ONNX Runtime build (available: ...); hint".</summary>
    public static ExecutionProviderUnavailableException Unavailable(DeviceSpec requested, string provider, IReadOnlyCollection<string> available, string hint) =>
        new($"--device {requested}: {provider} is not available in this ONNX Runtime build (available: {string.Join(", ", available)}); {hint}");
}
