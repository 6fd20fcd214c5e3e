namespace Tood.Train.Export;

/// <summary>One dimension of a graph input/output: a fixed size or a symbolic name (e.g. "batch").</summary>
public readonly record struct OnnxDim
{
    public long? Value { get; }
    public string? Param { get; }

    private OnnxDim(long? value, string? param) { Value = value; Param = param; }

    public static OnnxDim Fixed(long value) =>
        value > 0 ? new(value, null) : throw new ArgumentOutOfRangeException(nameof(value), "dimension must be positive");

    public static OnnxDim Symbolic(string name) =>
        !string.IsNullOrWhiteSpace(name) ? new(null, name) : throw new ArgumentException("symbolic dimension needs a name", nameof(name));

    public static implicit operator OnnxDim(long value) => Fixed(value);

    public override string ToString() => Param ?? Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
