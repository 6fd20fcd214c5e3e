namespace Tood.Train.Export;

/// <summary>Storage/compute precision of an exported graph's weights and activations.</summary>
public enum OnnxPrecision
{
    /// <summary>Everything float32.</summary>
    Float32,
    /// <summary>Weights and backbone/neck/head activations float16; input preprocessing, score and box
    /// decoding stay float32 (spec §9 P2/P3: keep the score path in fp32), outputs are float32.</summary>
    Float16,
}
