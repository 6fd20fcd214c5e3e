using System.Runtime.InteropServices;
using Google.Protobuf;
using Tood.Train.Export.Onnx;
using DataType = Tood.Train.Export.Onnx.TensorProto.Types.DataType;

namespace Tood.Train.Export.Quantize;

/// <summary>
/// Turns an exported fp16 graph (<see cref="OnnxPrecision.Float16"/>) back into the fp32 graph the same weights
/// export to: float16 initializers widen to float32 (exact), and the Casts that only moved values between float16
/// and float32 disappear. Calibration and quantization start from fp32, so a shipped fp16 file can be quantized
/// without its checkpoint. An fp32 graph comes back unchanged (a copy).
/// </summary>
internal static class OnnxFloat32
{
    public static ModelProto Convert(ModelProto model)
    {
        var m = model.Clone();
        var g = m.Graph;
        foreach (var t in g.Initializer)
        {
            if (t.DataType != (int)DataType.Float16) continue;
            if (t.RawData.Length == 0) throw new InvalidDataException($"fp16 initializer '{t.Name}' has no raw_data (int32-packed float16 is not read)");
            var half = MemoryMarshal.Cast<byte, Half>(t.RawData.Span);
            var f = new float[half.Length];
            for (int i = 0; i < f.Length; i++) f[i] = (float)half[i];
            t.DataType = (int)DataType.Float;
            t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(f.AsSpan()));
        }
        foreach (var n in g.Node.Where(n => n.OpType == "Cast"))
            foreach (var a in n.Attribute.Where(a => a.Name == "to" && a.I == (long)DataType.Float16)) a.I = (long)DataType.Float;
        RemoveNoOpCasts(g);
        g.ValueInfo.Clear(); // intermediate types may have changed; ORT infers them again
        return m;
    }

    /// <summary>Removes Casts whose input already has the target type, rewiring their consumers to the input.</summary>
    private static void RemoveNoOpCasts(GraphProto g)
    {
        var types = ElementTypes(g);
        var rename = new Dictionary<string, string>(StringComparer.Ordinal);
        var outputs = g.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var keep = new List<NodeProto>();
        foreach (var n in g.Node)
        {
            for (int i = 0; i < n.Input.Count; i++)
                if (rename.TryGetValue(n.Input[i], out var r)) n.Input[i] = r;
            bool noOp = n.OpType == "Cast" && types.TryGetValue(n.Input[0], out var from)
                        && n.Attribute.FirstOrDefault(a => a.Name == "to")?.I == (long)from && !outputs.Contains(n.Output[0]);
            if (noOp) rename[n.Output[0]] = n.Input[0];
            else keep.Add(n);
        }
        g.Node.Clear();
        g.Node.AddRange(keep);
    }

    /// <summary>Element type of every value, propagated in node order (exported graphs are topologically sorted):
    /// Cast gives its target, Shape int64, comparisons and logic bool, every other op its first input's type.</summary>
    internal static Dictionary<string, DataType> ElementTypes(GraphProto g)
    {
        var types = new Dictionary<string, DataType>(StringComparer.Ordinal);
        foreach (var i in g.Input) types[i.Name] = (DataType)i.Type.TensorType.ElemType;
        foreach (var t in g.Initializer) types[t.Name] = (DataType)t.DataType;
        foreach (var n in g.Node)
        {
            DataType? type = n.OpType switch
            {
                "Cast" => (DataType)n.Attribute.First(a => a.Name == "to").I,
                "Shape" => DataType.Int64,
                "Greater" or "Less" or "Equal" or "Or" or "And" or "Not" => DataType.Bool,
                "QuantizeLinear" => n.Input.Count > 2 && types.TryGetValue(n.Input[2], out var zp) ? zp : DataType.Uint8,
                "DequantizeLinear" => DataType.Float,
                "Where" => n.Input.Count > 1 && types.TryGetValue(n.Input[1], out var w) ? w : null,
                _ => n.Input.Count > 0 && types.TryGetValue(n.Input[0], out var x) ? x : null,
            };
            if (type is { } t) foreach (var o in n.Output) types[o] = t;
        }
        return types;
    }
}
