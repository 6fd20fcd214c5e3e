using System.Globalization;
using static TorchSharp.torch;

namespace Tood.Train.Common;

/// <summary>
/// Shape checks of tensor arguments and the "[d0,d1,…]" text their error messages show (one format for every
/// message, so a shape reads the same in all of them).
/// </summary>
internal static class Shapes
{
    /// <summary>The tensor's shape as "[2,3,4]".</summary>
    public static string Format(Tensor t) => FormatDims(t.shape);

    /// <summary>Dims (a tensor's, an ONNX initializer's, a state-dict entry's) as "[2,3,4]".</summary>
    public static string FormatDims(IEnumerable<long> dims) =>
        "[" + string.Join(",", dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>Whether <paramref name="t"/> has exactly these dims (a named dim matches any size).</summary>
    public static bool Matches(Tensor t, params ReadOnlySpan<Dim> dims)
    {
        var shape = t.shape;
        if (shape.Length != dims.Length) return false;
        for (int i = 0; i < dims.Length; i++)
            if (dims[i].Size is { } size && shape[i] != size) return false;
        return true;
    }

    /// <summary>Throws "<paramref name="what"/> must be [D0,D1,…], got [..]" unless <paramref name="t"/>
    /// <see cref="Matches"/> <paramref name="dims"/>.</summary>
    public static void Require(Tensor t, string what, string paramName, params ReadOnlySpan<Dim> dims)
    {
        if (!Matches(t, dims))
            throw new ArgumentException($"{what} must be [{string.Join(",", dims.ToArray())}], got {Format(t)}", paramName);
    }
}

/// <summary>One dim of an expected shape: a size, or a name ("N", "A") that stands for any size.</summary>
internal readonly record struct Dim(long? Size, string? Name)
{
    public static implicit operator Dim(long size) => new(size, null);

    public static implicit operator Dim(string name) => new(null, name);

    public override string ToString() => Name ?? Size.GetValueOrDefault().ToString(CultureInfo.InvariantCulture);
}
