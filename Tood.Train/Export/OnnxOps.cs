using Tood.Train.Export.Onnx;
using DataType = Tood.Train.Export.Onnx.TensorProto.Types.DataType;

namespace Tood.Train.Export;

/// <summary>Short-hands for single ONNX ops on <see cref="OnnxGraphBuilder"/>, so emitters read like the math.</summary>
internal static class OnnxOps
{
    public static string Relu(this OnnxGraphBuilder g, string x, string hint = "relu") => g.Node("Relu", [x], hint);

    public static string Sigmoid(this OnnxGraphBuilder g, string x, string hint = "sigmoid") => g.Node("Sigmoid", [x], hint);

    public static string Exp(this OnnxGraphBuilder g, string x, string hint = "exp") => g.Node("Exp", [x], hint);

    public static string Sqrt(this OnnxGraphBuilder g, string x, string hint = "sqrt") => g.Node("Sqrt", [x], hint);

    public static string Add(this OnnxGraphBuilder g, string a, string b, string hint = "add") => g.Node("Add", [a, b], hint);

    public static string Mul(this OnnxGraphBuilder g, string a, string b, string hint = "mul") => g.Node("Mul", [a, b], hint);

    public static string GlobalAveragePool(this OnnxGraphBuilder g, string x, string hint = "gap") => g.Node("GlobalAveragePool", [x], hint);

    public static string Cast(this OnnxGraphBuilder g, string x, DataType to, string hint = "cast") =>
        g.Node("Cast", [x], hint, OnnxAttr.Int("to", (long)to));

    /// <summary>Cast to <paramref name="to"/> only when <paramref name="from"/> differs (no-op Casts are not emitted).</summary>
    public static string CastIfNeeded(this OnnxGraphBuilder g, string x, DataType from, DataType to, string hint = "cast") =>
        from == to ? x : g.Cast(x, to, hint);

    public static string Transpose(this OnnxGraphBuilder g, string x, long[] perm, string hint = "transpose") =>
        g.Node("Transpose", [x], hint, OnnxAttr.Ints("perm", perm));

    public static string Concat(this OnnxGraphBuilder g, IReadOnlyList<string> xs, long axis, string hint = "concat") =>
        g.Node("Concat", xs, hint, OnnxAttr.Int("axis", axis));

    /// <summary>Reshape to a constant shape (0 = copy that input dim, −1 = infer), shared initializer per shape.</summary>
    public static string Reshape(this OnnxGraphBuilder g, string x, long[] shape, string hint = "reshape") =>
        g.Node("Reshape", [x, g.ShapeConstant(shape)], hint);

    /// <summary>An int64 1-D constant named after its values (so identical shapes share one initializer).</summary>
    public static string ShapeConstant(this OnnxGraphBuilder g, long[] values) =>
        g.Int64Constant("const.i64." + string.Join('_', values.Select(v => v < 0 ? $"m{-v}" : v.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            values, values.Length);
}
