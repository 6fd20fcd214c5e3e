using System.Text;

namespace Tood.Tests.Pretrained;

/// <summary>A storage for <see cref="TorchSaveFixture"/>: torch class name (FloatStorage …) and raw little-endian bytes.</summary>
internal sealed class FixtureStorage(string typeName, byte[] bytes, int elementSize)
{
    public string TypeName { get; } = typeName;
    public byte[] Bytes { get; } = bytes;
    public long Numel => Bytes.Length / elementSize;

    public static FixtureStorage Float(params float[] v) => new("FloatStorage", ToBytes(v), 4);
    public static FixtureStorage Half(params Half[] v) => new("HalfStorage", ToBytes(v), 2);
    public static FixtureStorage Long(params long[] v) => new("LongStorage", ToBytes(v), 8);

    private static byte[] ToBytes<T>(T[] v) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()).ToArray();
}

/// <summary>A tensor view for <see cref="TorchSaveFixture"/>: <c>_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())</c>.</summary>
internal sealed record FixtureTensor(FixtureStorage Storage, long Offset, long[] Shape, long[] Stride)
{
    public static FixtureTensor Contiguous(FixtureStorage s, params long[] shape)
    {
        var stride = new long[shape.Length];
        for (long i = shape.Length - 1, acc = 1; i >= 0; acc *= shape[i], i--) stride[i] = acc;
        return new(s, 0, shape, stride);
    }
}

/// <summary>A dict for <see cref="TorchSaveFixture"/>; Ordered = <c>collections.OrderedDict</c> with torch's
/// <c>_metadata</c> attribute (as <c>nn.Module.state_dict()</c> returns it).</summary>
internal sealed record FixtureDict(bool Ordered, params (object Key, object? Value)[] Items);

/// <summary>
/// Writes protocol-2 pickles the way CPython's pickler does for these values (written by hand from the opcode
/// list): BINPUT after every memoised object, BINGET for a repeated global or string, small ints as
/// BININT1/BININT2, OrderedDict as REDUCE + SETITEMS + BUILD({'_metadata': OrderedDict()}), tensors as
/// REDUCE of torch._utils._rebuild_tensor_v2 over a BINPERSID storage id built by <see cref="StorageId"/>.
/// </summary>
internal sealed class FixturePickler(Stream s, Func<FixtureStorage, object?[]> storageId)
{
    private readonly Dictionary<string, int> _memo = new(StringComparer.Ordinal);

    public void Dump(object? value)
    {
        s.Write([0x80, 0x02]);
        Save(value);
        s.WriteByte((byte)'.');
    }

    private void Save(object? v)
    {
        switch (v)
        {
            case null: s.WriteByte((byte)'N'); break;
            case bool b: s.WriteByte(b ? (byte)0x88 : (byte)0x89); break;
            case int i: Int(i); break;
            case long l: Int(l); break;
            case double d:
                s.WriteByte((byte)'G');
                Span<byte> be = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteDoubleBigEndian(be, d);
                s.Write(be);
                break;
            case string str: Str(str); break;
            case object?[] tuple: Tuple(tuple); break;
            case List<object?> list:
                s.WriteByte((byte)']'); Put(null);
                if (list.Count > 0) { s.WriteByte((byte)'('); foreach (var x in list) Save(x); s.WriteByte((byte)'e'); }
                break;
            case FixtureDict d: Dict(d); break;
            case FixtureTensor t: Tensor(t); break;
            case StorageClass c: Global("torch", c.Name); break;
            default: throw new ArgumentException($"fixture pickler: unsupported {v.GetType()}");
        }
    }

    private void Dict(FixtureDict d)
    {
        if (d.Ordered) { Global("collections", "OrderedDict"); s.WriteByte((byte)')'); s.WriteByte((byte)'R'); }
        else s.WriteByte((byte)'}');
        Put(null);
        if (d.Items.Length > 0)
        {
            s.WriteByte((byte)'(');
            foreach (var (k, val) in d.Items) { Save(k); Save(val); }
            s.WriteByte((byte)'u');
        }
        if (d.Ordered)
        {
            s.WriteByte((byte)'}'); Put(null);
            Str("_metadata");
            Global("collections", "OrderedDict"); s.WriteByte((byte)')'); s.WriteByte((byte)'R'); Put(null);
            s.WriteByte((byte)'s');
            s.WriteByte((byte)'b');
        }
    }

    private void Tensor(FixtureTensor t)
    {
        Global("torch._utils", "_rebuild_tensor_v2");
        s.WriteByte((byte)'(');
        Tuple(storageId(t.Storage));
        s.WriteByte((byte)'Q');                                    // BINPERSID
        Int(t.Offset);
        Tuple([.. t.Shape.Cast<object?>()]);
        Tuple([.. t.Stride.Cast<object?>()]);
        s.WriteByte(0x89);                                         // requires_grad False
        Global("collections", "OrderedDict"); s.WriteByte((byte)')'); s.WriteByte((byte)'R'); Put(null); // backward hooks
        s.WriteByte((byte)'t'); Put(null);
        s.WriteByte((byte)'R'); Put(null);
    }

    private void Tuple(object?[] items)
    {
        if (items.Length == 0) { s.WriteByte((byte)')'); return; }
        s.WriteByte((byte)'(');
        foreach (var x in items) Save(x);
        s.WriteByte((byte)'t');
        Put(null);
    }

    public void Global(string module, string name)
    {
        if (Get("g:" + module + "." + name)) return;
        s.WriteByte((byte)'c');
        s.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        Put("g:" + module + "." + name);
    }

    private void Str(string v)
    {
        if (Get("s:" + v)) return;
        var b = Encoding.UTF8.GetBytes(v);
        s.WriteByte((byte)'X');
        s.Write(BitConverter.GetBytes(b.Length));
        s.Write(b);
        Put("s:" + v);
    }

    private void Int(long v)
    {
        if (v is >= 0 and < 256) { s.WriteByte((byte)'K'); s.WriteByte((byte)v); }
        else if (v is >= 0 and < 65536) { s.WriteByte((byte)'M'); s.Write(BitConverter.GetBytes((ushort)v)); }
        else if (v is >= int.MinValue and <= int.MaxValue) { s.WriteByte((byte)'J'); s.Write(BitConverter.GetBytes((int)v)); }
        else { s.WriteByte(0x8a); s.WriteByte(8); s.Write(BitConverter.GetBytes(v)); }
    }

    private bool Get(string key)
    {
        if (!_memo.TryGetValue(key, out int i)) return false;
        if (i < 256) { s.WriteByte((byte)'h'); s.WriteByte((byte)i); }
        else { s.WriteByte((byte)'j'); s.Write(BitConverter.GetBytes(i)); }
        return true;
    }

    // Memoises the object just written; a key makes it reusable through BINGET.
    private void Put(string? key)
    {
        int i = _memo.Count + _anonymous++;
        if (i < 256) { s.WriteByte((byte)'q'); s.WriteByte((byte)i); }
        else { s.WriteByte((byte)'r'); s.Write(BitConverter.GetBytes(i)); }
        if (key is not null) { _memo[key] = i; _anonymous--; }
    }

    private int _anonymous;
}
