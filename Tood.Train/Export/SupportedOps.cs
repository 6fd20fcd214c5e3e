namespace Tood.Train.Export;

/// <summary>
/// The only ONNX operator types the exporter may emit (default domain, opset <see cref="OnnxGraphBuilder.Opset"/>).
/// Every entry has a kernel in ONNX Runtime's CPU execution provider and in the DirectML execution
/// provider at this opset (GridSample needs opset ≥ 16, spec §9 P8), so an exported model runs on every
/// provider tood-live selects. Shape-only ops (Shape/Slice/Concat on int64) are placed on the CPU by ORT.
/// Adding an op here is a portability decision: check both providers' operator tables first.
/// QuantizeLinear/DequantizeLinear appear only in int8 exports (Export/Quantize): both providers implement them
/// at opset 17 (per-axis scales included); only the CPU provider fuses them into int8 kernels (README "INT8").
/// </summary>
public static class SupportedOps
{
    public static readonly IReadOnlyList<string> All =
    [
        "Add",
        "Cast",
        "Concat",
        "Conv",
        "DequantizeLinear",
        "Div",
        "Exp",
        "Gather",
        "GlobalAveragePool",
        "Greater",
        "GridSample",
        "InstanceNormalization",
        "MaxPool",
        "Mul",
        "Or",
        "QuantizeLinear",
        "Relu",
        "Reshape",
        "Resize",
        "Shape",
        "Sigmoid",
        "Slice",
        "Sqrt",
        "Sub",
        "Transpose",
        "Where",
    ];

    private static readonly HashSet<string> Set = new(All, StringComparer.Ordinal);

    public static bool Contains(string opType) => Set.Contains(opType);
}
