using System.Text;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>
/// Minimal protobuf wire-format writer (varint, fixed32, length-delimited), enough to emit ONNX
/// ModelProto files for test fixtures without depending on the exporter.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _s = new();

    public byte[] ToArray() => _s.ToArray();

    private void Varint(ulong v)
    {
        while (v >= 0x80) { _s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        _s.WriteByte((byte)v);
    }

    private void Tag(int field, int wire) => Varint((ulong)((field << 3) | wire));

    public ProtoWriter Int(int field, long value) { Tag(field, 0); Varint(unchecked((ulong)value)); return this; }
    public ProtoWriter Float(int field, float value) { Tag(field, 5); _s.Write(BitConverter.GetBytes(value)); return this; }
    public ProtoWriter Bytes(int field, byte[] value) { Tag(field, 2); Varint((ulong)value.Length); _s.Write(value); return this; }
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));
    public ProtoWriter Message(int field, ProtoWriter m) => Bytes(field, m.ToArray());
}
