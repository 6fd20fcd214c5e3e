using System.Globalization;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained.TorchSave;

/// <summary>
/// A typed storage named by a persistent id: <c>('storage', torch.FloatStorage, key, location, numel[, view])</c>.
/// A legacy view (<c>view_metadata = (view_key, offset, size)</c>, never written by PyTorch ≥ 1.0 but still read
/// by it) is the window [<see cref="Offset"/>, Offset + <see cref="Numel"/>) of the root storage <see cref="Key"/>.
/// </summary>
public sealed record StorageRef(string Key, ScalarType Dtype, long RootNumel, string Location, long Offset, long Numel)
{
    public int ElementSize => TorchDtypes.ElementSize(Dtype);
}

/// <summary>
/// A tensor as <c>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)</c>
/// describes it: a strided view of a storage. Materialised only when the reader needs it.
/// </summary>
public sealed record TensorRef(StorageRef Storage, long Offset, long[] Shape, long[] Stride, bool RequiresGrad)
{
    public long Numel => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Why this view does not fit its storage, or null when it does.</summary>
    public string? Problem()
    {
        if (Shape.Length != Stride.Length) return $"shape [{Join(Shape)}] and stride [{Join(Stride)}] differ in length";
        if (Offset < 0 || Shape.Any(s => s < 0) || Stride.Any(s => s < 0)) return $"negative offset, size or stride (offset {Offset}, shape [{Join(Shape)}], stride [{Join(Stride)}])";
        if (Numel == 0) return null;
        long last = Offset;
        for (int i = 0; i < Shape.Length; i++) last += (Shape[i] - 1) * Stride[i];
        return last < Storage.Numel ? null
            : $"view (offset {Offset}, shape [{Join(Shape)}], stride [{Join(Stride)}]) reaches element {last} of a {Storage.Numel}-element storage '{Storage.Key}'";
    }

    private static string Join(long[] v) => string.Join(",", v.Select(x => x.ToString(CultureInfo.InvariantCulture)));
}

/// <summary>torch storage class names (<c>torch.HalfStorage</c> …) and element sizes.</summary>
public static class TorchDtypes
{
    public static ScalarType? FromStorageName(string name) => name switch
    {
        "DoubleStorage" => ScalarType.Float64,
        "FloatStorage" => ScalarType.Float32,
        "HalfStorage" => ScalarType.Float16,
        "BFloat16Storage" => ScalarType.BFloat16,
        "LongStorage" => ScalarType.Int64,
        "IntStorage" => ScalarType.Int32,
        "ShortStorage" => ScalarType.Int16,
        "CharStorage" => ScalarType.Int8,
        "ByteStorage" or "UntypedStorage" => ScalarType.Byte,
        "BoolStorage" => ScalarType.Bool,
        "ComplexFloatStorage" => ScalarType.ComplexFloat32,
        "ComplexDoubleStorage" => ScalarType.ComplexFloat64,
        _ => null,
    };

    public static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        ScalarType.ComplexFloat64 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "no storage type"),
    };
}
