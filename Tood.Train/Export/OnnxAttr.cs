using Google.Protobuf;
using Tood.Train.Export.Onnx;
using AttrType = Tood.Train.Export.Onnx.AttributeProto.Types.AttributeType;

namespace Tood.Train.Export;

/// <summary>Factory for node attributes; the attribute type is always set explicitly (readers dispatch on it).</summary>
internal static class OnnxAttr
{
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttrType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttrType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttrType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttrType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Floats(string name, params float[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttrType.Floats };
        a.Floats.AddRange(values);
        return a;
    }
}
