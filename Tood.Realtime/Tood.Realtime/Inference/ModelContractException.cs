namespace Tood.Realtime.Inference;

/// <summary>The .onnx file does not honour <see cref="ModelContract"/> (missing Tood metadata, wrong input/outputs).</summary>
public sealed class ModelContractException(string message) : Exception(message);
