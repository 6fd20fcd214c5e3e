namespace Tood.Train.Export;

/// <summary>What to export: input size (pixels), batch (null = dynamic "batch" dimension) and precision.</summary>
public sealed record ExportOptions
{
    public required int InputWidth { get; init; }
    public required int InputHeight { get; init; }

    /// <summary>Fixed batch size, or null for a symbolic (dynamic) batch dimension.</summary>
    public int? Batch { get; init; }

    public OnnxPrecision Precision { get; init; } = OnnxPrecision.Float32;

    public void Validate()
    {
        if (InputWidth < 32 || InputHeight < 32) throw new ArgumentException($"input size {InputWidth}x{InputHeight} is too small (minimum 32x32)");
        if (Batch is < 1) throw new ArgumentException($"batch must be ≥ 1, got {Batch}");
    }
}
