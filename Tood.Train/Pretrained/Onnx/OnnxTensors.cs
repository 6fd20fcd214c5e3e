using System.Runtime.InteropServices;
using Tood.Train.Common;
using Tood.Train.Export.Onnx;

namespace Tood.Train.Pretrained.Onnx;

/// <summary>Reads ONNX files and float32/float16 initializers with the project's own onnx.proto (Export/Proto).</summary>
internal static class OnnxTensors
{
    /// <exception cref="WeightsException">missing or unparsable file (one line naming it).</exception>
    public static ModelProto ReadModel(string path)
    {
        if (!File.Exists(path)) throw new WeightsException($"ONNX model '{path}' not found");
        try
        {
            using var fs = File.OpenRead(path);
            var model = ModelProto.Parser.ParseFrom(fs);
            if (model.Graph is null || model.Graph.Node.Count == 0)
                throw new WeightsException($"'{path}' is not an ONNX model (no graph)");
            return model;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new WeightsException($"'{path}' is not an ONNX model (protobuf: {e.Message})", e);
        }
    }

    /// <summary>float32 data of a FLOAT or FLOAT16 initializer (raw_data little-endian, float_data, or for
    /// FLOAT16 int32_data holding the half bits), checked against its dims (external data, which this schema
    /// does not describe, shows up as a count mismatch). FLOAT16 widens to float32 exactly.</summary>
    public static float[] Floats(TensorProto t, string file)
    {
        float[] data = (TensorProto.Types.DataType)t.DataType switch
        {
            TensorProto.Types.DataType.Float => t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : [.. t.FloatData],
            TensorProto.Types.DataType.Float16 => t.RawData.Length > 0
                ? [.. MemoryMarshal.Cast<byte, Half>(t.RawData.Span).ToArray().Select(h => (float)h)]
                : [.. t.Int32Data.Select(bits => (float)BitConverter.UInt16BitsToHalf((ushort)bits))],
            _ => throw new WeightsException($"{Path.GetFileName(file)}: initializer '{t.Name}' is {(TensorProto.Types.DataType)t.DataType}, expected FLOAT or FLOAT16"),
        };
        long count = t.Dims.Aggregate(1L, (a, d) => a * d);
        if (data.Length != count)
            throw new WeightsException($"{Path.GetFileName(file)}: initializer '{t.Name}' has {data.Length} values for dims {Shapes.FormatDims(t.Dims)}");
        return data;
    }

    public static long[] Ints(NodeProto node, string name, long[] fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? [.. a.Ints] : fallback;

    public static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

    public static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;
}
