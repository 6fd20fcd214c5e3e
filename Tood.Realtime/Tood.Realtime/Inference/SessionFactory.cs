using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Tood.Realtime.Devices;

namespace Tood.Realtime.Inference;

/// <summary>
/// Opens the ONNX Runtime session of one model on a resolved device, and tells the two ways that can fail apart:
/// the MODEL (not an ONNX file, a graph ONNX Runtime cannot run: <see cref="ModelContractException"/>, never a
/// fallback) and the PROVIDER or its driver (GPU provider failing to start: <c>auto</c> falls back to CPU with
/// one logged line, an explicit device is an <see cref="ExecutionProviderUnavailableException"/>). For a GPU the
/// model is first opened on the CPU without optimisation (cheap): if that works, whatever fails next is the
/// provider's. Used at creation and again when a lost device is rebuilt (<see cref="InferenceEngine"/>).
/// </summary>
internal sealed class SessionFactory(string path, int batch, ILoggerFactory loggerFactory, DeviceFaultInjection? faults)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<SessionFactory>();
    private readonly string _name = Path.GetFileName(path);

    /// <summary>The input's symbolic batch dimension, read by the CPU probe (DirectML pins it to the batch).</summary>
    public string? BatchDimName { get; private set; }

    /// <summary>The first session: <paramref name="resolved"/> as <see cref="ExecutionProviderSelector.Resolve"/> chose it for <paramref name="requested"/>.</summary>
    public (InferenceSession Session, DeviceSpec Device) OpenFirst(DeviceSpec requested, DeviceSpec resolved, CpuThreading cpu)
    {
        if (resolved.Kind == DeviceKind.Cpu) return (Open(resolved, cpu), resolved);
        Probe(resolved);
        try { return (Open(resolved, cpu), resolved); }
        catch (Exception e) when (OrtErrors.IsProviderFailure(e))
        {
            string provider = ExecutionProviderSelector.ProviderOf(resolved), error = OrtErrors.FirstLine(e);
            if (requested.Kind != DeviceKind.Auto)
                throw new ExecutionProviderUnavailableException($"--device {requested}: {provider} failed to start: {error}; use --device cpu or --device auto (falls back to CPU)");
            _logger.LogWarning("device auto: {Device}: {Provider} failed to start: {Error}; falling back to CPU", resolved, provider, error);
            return (Open(DeviceSpec.Cpu, cpu), DeviceSpec.Cpu);
        }
    }

    /// <summary>
    /// A session on <paramref name="device"/>. Provider failures propagate as they are (<see cref="OrtErrors.IsProviderFailure"/>);
    /// CPU failures are the model's and come as <see cref="ModelContractException"/>.
    /// </summary>
    public InferenceSession Open(DeviceSpec device, CpuThreading cpu)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        try
        {
            if (device.Kind == DeviceKind.Cpu)
            {
                cpu.ApplyTo(options);
                return OpenModel(options);
            }
            if (faults?.SimulatedDevice != device) ExecutionProviderSelector.Configure(options, device, BatchDimName, batch);
            var session = new InferenceSession(path, options);
            if (device.Kind == DeviceKind.DirectML && faults is null) LogAdapter(device);
            return session;
        }
        finally { options.Dispose(); }
    }

    /// <summary>Opens the model on the CPU without optimisation: model errors surface here, as model errors.</summary>
    private void Probe(DeviceSpec device)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var probe = OpenModel(options);
        var info = InferenceEngine.Validate(path, probe, out string? batchDim, out _);
        BatchDimName = batchDim;
        // DirectML runs fixed shapes: a graph with a fixed batch must be run at that batch.
        if (device.Kind == DeviceKind.DirectML && info.FixedBatch is { } fb && fb != batch)
            throw new ModelContractException($"model {_name} has a fixed batch of {fb}; use --batch {fb}");
    }

    private InferenceSession OpenModel(SessionOptions options)
    {
        try { return new InferenceSession(path, options); }
        catch (OnnxRuntimeException e) when (OrtErrors.IsUnreadableModel(e))
        {
            throw new ModelContractException($"model {_name} is not a readable ONNX file: {OrtErrors.FirstLine(e)}");
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelContractException($"model {_name}: ONNX Runtime {OnnxRuntimeInfo.ManagedAssemblyVersion()} cannot run this graph on the CPU: {OrtErrors.FirstLine(e)}");
        }
    }

    private void LogAdapter(DeviceSpec device)
    {
        if (DxgiAdapters.TryList()?.AdapterFor(device.Id) is not { } a) return;
        _logger.LogInformation("DirectML adapter {Adapter}: {Name} ({DedicatedMiB} MiB dedicated{Preference})",
            a.Index, a.Name, a.DedicatedVideoMemory / (1024 * 1024), device.Id is null ? ", high-performance preference" : "");
    }
}
