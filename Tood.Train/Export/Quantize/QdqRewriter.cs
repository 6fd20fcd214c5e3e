using System.Runtime.InteropServices;
using Google.Protobuf;
using Tood.Train.Export.Onnx;
using DataType = Tood.Train.Export.Onnx.TensorProto.Types.DataType;

namespace Tood.Train.Export.Quantize;

/// <summary>
/// Rewrites an fp32 graph into QDQ form (the ONNX way to say "int8 here"): each planned activation T gets one
/// QuantizeLinear right after it is produced and a DequantizeLinear in front of each consumer; each quantized conv
/// reads int8 weights and an int32 bias through DequantizeLinear. The graph stays valid float ONNX that any runtime
/// can execute; ONNX Runtime's CPU provider fuses each DQ→Conv→Q group into QLinearConv (and DQ→Add→Q into
/// QLinearAdd) and so runs the int8 kernels. Nodes stay topologically sorted.
/// </summary>
internal sealed class QdqRewriter
{
    private readonly GraphProto _g;
    private readonly HashSet<string> _names;
    private readonly Dictionary<string, TensorProto> _init;
    private readonly Dictionary<string, (string Scale, string ZeroPoint, float ScaleValue)> _act = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _quantized = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _dqSource = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Values, string Scale, string ZeroPoint, float[] Scales)> _weights = new(StringComparer.Ordinal);

    private QdqRewriter(GraphProto g)
    {
        _g = g;
        _init = g.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _names = new HashSet<string>(g.Input.Select(i => i.Name).Concat(_init.Keys).Concat(g.Node.SelectMany(n => n.Output)).Concat(g.Node.Select(n => n.Name)), StringComparer.Ordinal);
    }

    /// <summary>The QDQ graph of <paramref name="fp32"/> (a new model; metadata is the caller's).</summary>
    public static ModelProto Rewrite(ModelProto fp32, QuantizationPlan plan, IReadOnlyDictionary<string, (float Lo, float Hi)> ranges)
    {
        var model = fp32.Clone();
        var r = new QdqRewriter(model.Graph);
        foreach (var t in plan.Tensors)
        {
            var (scale, zp) = QuantParams.Activation(ranges[t].Lo, ranges[t].Hi);
            r._act[t] = (r.Scalar(t + ".scale", scale), r.Uint8Scalar(t + ".zero_point", zp), scale);
        }
        var quantConvs = plan.Convs.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var nodes = new List<NodeProto>(model.Graph.Node.Count * 2);
        foreach (var i in model.Graph.Input.Where(i => r._act.ContainsKey(i.Name))) nodes.Add(r.Quantize(i.Name));
        foreach (var n in model.Graph.Node)
        {
            for (int k = 0; k < n.Input.Count; k++)
                if (r._act.ContainsKey(n.Input[k])) { var (dq, name) = r.Dequantize(n.Input[k]); nodes.Add(dq); n.Input[k] = name; }
            if (n.OpType == "Conv" && quantConvs.Contains(n.Name)) nodes.AddRange(r.QuantizeConvParameters(n));
            nodes.Add(n);
            foreach (var o in n.Output.Where(r._act.ContainsKey)) nodes.Add(r.Quantize(o));
        }
        model.Graph.Node.Clear();
        model.Graph.Node.AddRange(nodes);
        RemoveUnusedInitializers(model.Graph);
        return model;
    }

    private NodeProto Quantize(string t)
    {
        var (scale, zp, _) = _act[t];
        var n = Node("QuantizeLinear", [t, scale, zp], t + ".q");
        _quantized[t] = n.Output[0];
        return n;
    }

    private (NodeProto Node, string Output) Dequantize(string t)
    {
        var (scale, zp, _) = _act[t];
        var n = Node("DequantizeLinear", [_quantized[t], scale, zp], t + ".dq");
        _dqSource[n.Output[0]] = t;
        return (n, n.Output[0]);
    }

    /// <summary>DequantizeLinear nodes for the conv's int8 weight and int32 bias (rewired onto the conv).</summary>
    private IEnumerable<NodeProto> QuantizeConvParameters(NodeProto conv)
    {
        // The conv's input was already rewired to a DequantizeLinear of T: the bias scale needs T's scale.
        var inputScale = _act[_dqSource[conv.Input[0]]].ScaleValue;
        var wName = conv.Input[1];
        if (!_weights.TryGetValue(wName, out var w))
        {
            var t = _init[wName];
            var (values, scales) = QuantParams.Weights(Floats(t), (int)t.Dims[0]);
            w = (AddInitializer(wName + ".int8", DataType.Int8, MemoryMarshal.AsBytes(values.AsSpan()), t.Dims),
                AddInitializer(wName + ".w_scale", DataType.Float, MemoryMarshal.AsBytes(scales.AsSpan()), [scales.Length]),
                AddInitializer(wName + ".w_zero_point", DataType.Int8, new byte[scales.Length], [scales.Length]), scales);
            _weights[wName] = w;
        }
        var wdq = Node("DequantizeLinear", [w.Values, w.Scale, w.ZeroPoint], wName + ".dq", OnnxAttr.Int("axis", 0));
        conv.Input[1] = wdq.Output[0];
        yield return wdq;
        if (conv.Input.Count < 3 || conv.Input[2].Length == 0) yield break;
        var bName = conv.Input[2];
        var (bq, bScales) = QuantParams.Bias(Floats(_init[bName]), inputScale, w.Scales);
        var bValues = AddInitializer(bName + ".int32", DataType.Int32, MemoryMarshal.AsBytes(bq.AsSpan()), [bq.Length]);
        var bScale = AddInitializer(bName + ".b_scale", DataType.Float, MemoryMarshal.AsBytes(bScales.AsSpan()), [bScales.Length]);
        var bZero = AddInitializer(bName + ".b_zero_point", DataType.Int32, new byte[4 * bq.Length], [bq.Length]);
        var bdq = Node("DequantizeLinear", [bValues, bScale, bZero], bName + ".dq", OnnxAttr.Int("axis", 0));
        conv.Input[2] = bdq.Output[0];
        yield return bdq;
    }

    private NodeProto Node(string op, IReadOnlyList<string> inputs, string outputHint, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = Unique(op + "_" + outputHint) };
        n.Input.AddRange(inputs);
        n.Output.Add(Unique(outputHint));
        n.Attribute.AddRange(attributes);
        return n;
    }

    private string Unique(string hint)
    {
        if (_names.Add(hint)) return hint;
        for (int k = 1; ; k++) if (_names.Add($"{hint}_{k}")) return $"{hint}_{k}";
    }

    private string Scalar(string name, float v) => AddInitializer(name, DataType.Float, BitConverter.GetBytes(v), []);

    private string Uint8Scalar(string name, byte v) => AddInitializer(name, DataType.Uint8, [v], []);

    private string AddInitializer(string hint, DataType type, ReadOnlySpan<byte> raw, IEnumerable<long> dims)
    {
        var t = new TensorProto { Name = Unique(hint), DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(dims);
        _g.Initializer.Add(t);
        _init[t.Name] = t;
        return t.Name;
    }

    private static ReadOnlySpan<float> Floats(TensorProto t) =>
        t.DataType == (int)DataType.Float && t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(t.RawData.Span)
        : throw new InvalidDataException($"initializer '{t.Name}' is not float32 raw data (quantize an fp32 graph)");

    private static void RemoveUnusedInitializers(GraphProto g)
    {
        var used = g.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var keep = g.Initializer.Where(t => used.Contains(t.Name)).ToList();
        g.Initializer.Clear();
        g.Initializer.AddRange(keep);
    }
}
