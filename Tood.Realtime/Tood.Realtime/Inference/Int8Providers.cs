namespace Tood.Realtime.Inference;

/// <summary>
/// Which execution providers run int8 (QDQ) models with int8 arithmetic. ONNX Runtime's CPU provider fuses
/// DequantizeLinear→Conv→QuantizeLinear into QLinearConv (measured here: BENCHMARKS.md §14). DirectML and CUDA, as
/// ONNX Runtime documents them (not verified on hardware in this repository): DirectML implements QuantizeLinear and
/// DequantizeLinear but does not fuse QDQ groups into int8 convolutions, so the graph runs dequantized, in float;
/// the CUDA provider also runs QDQ graphs in float, int8 on NVIDIA GPUs being TensorRT's (a provider Tood does not
/// ship). On those providers an int8 file is no faster than the fp16/fp32 one and a little less accurate.
/// </summary>
public static class Int8Providers
{
    public const string Precision = "int8";

    /// <summary>The warning for running <paramref name="model"/> on <paramref name="device"/>, or null when there is nothing to say.</summary>
    public static string? Warning(ModelInfo model, DeviceSpec device)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Precision != Precision || device.Kind == DeviceKind.Cpu) return null;
        return $"warning: model {Path.GetFileName(model.Path)} is int8 (QDQ); {ExecutionProviderSelector.ProviderOf(device)} runs it dequantized, in float, " +
               "without int8 acceleration (no faster than the fp32/fp16 model, a little less accurate): use --device cpu for int8, or the fp32/fp16 model on this GPU";
    }

    /// <summary>The line <c>tood-live devices</c> adds when this build has a GPU provider.</summary>
    public static string? DevicesNote(IReadOnlyCollection<string> providers)
    {
        var gpu = providers.Where(p => p is ExecutionProviderSelector.DmlProvider or ExecutionProviderSelector.CudaProvider).ToList();
        return gpu.Count == 0 ? null
            : $"int8 models (tood.precision=int8): int8 kernels on {ExecutionProviderSelector.CpuProvider} only; {string.Join(" and ", gpu)} {(gpu.Count == 1 ? "runs" : "run")} them dequantized, in float (no speed-up: use --device cpu)";
    }
}
