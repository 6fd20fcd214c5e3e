using System.IO.Compression;
using System.Text;

namespace Tood.Tests.Pretrained;

/// <summary>
/// Writes the byte layout <c>torch.save</c> produces for a state dict, written by hand from the pickle
/// protocol-2 opcodes, because PyBridge's own writer emits plain dicts: a real state dict is a
/// <c>collections.OrderedDict</c> built by REDUCE + SETITEMS and then BUILD with
/// <c>{'_metadata': OrderedDict()}</c>; tensors are <c>torch._utils._rebuild_tensor_v2</c> over a
/// persistent-id storage in <c>archive/data/N</c>. Optionally nested as mmcv does:
/// <c>{'meta': {'CLASSES': (...)}, 'state_dict': OrderedDict(...)}</c>.
/// </summary>
internal static class TorchSaveFixture
{
    public static void Write(string path, IReadOnlyList<(string Key, float[] Data, long[] Shape)> tensors, IReadOnlyList<string>? nestWithClasses)
    {
        var p = new MemoryStream();
        p.Write([0x80, 0x02]);                                   // PROTO 2
        if (nestWithClasses is not null)
        {
            p.WriteByte((byte)'}');                              // EMPTY_DICT (top level)
            p.WriteByte((byte)'(');                              // MARK
            Str(p, "meta");
            p.WriteByte((byte)'}');
            Str(p, "CLASSES");
            p.WriteByte((byte)'(');
            foreach (var c in nestWithClasses) Str(p, c);
            p.WriteByte((byte)'t');                              // TUPLE
            p.WriteByte((byte)'s');                              // SETITEM
            Str(p, "state_dict");
        }
        EmptyOrderedDict(p);
        p.WriteByte((byte)'(');                                  // MARK for SETITEMS
        for (int n = 0; n < tensors.Count; n++)
        {
            var (key, _, shape) = tensors[n];
            Str(p, key);
            Global(p, "torch._utils", "_rebuild_tensor_v2");
            p.WriteByte((byte)'(');                              // MARK args
            p.WriteByte((byte)'(');                              // MARK persistent id
            Str(p, "storage");
            Global(p, "torch", "FloatStorage");
            Str(p, n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Str(p, "cpu");
            Int(p, tensors[n].Data.Length);
            p.WriteByte((byte)'t');
            p.WriteByte((byte)'Q');                              // BINPERSID
            Int(p, 0);                                           // storage offset
            Tuple(p, shape);
            var stride = new long[shape.Length];
            for (int i = shape.Length - 1, s = 1; i >= 0; s *= (int)shape[i], i--) stride[i] = s;
            Tuple(p, stride);
            p.WriteByte(0x89);                                   // NEWFALSE (requires_grad)
            EmptyOrderedDict(p);                                 // backward hooks
            p.WriteByte((byte)'t');
            p.WriteByte((byte)'R');                              // REDUCE → tensor
        }
        p.WriteByte((byte)'u');                                  // SETITEMS
        p.WriteByte((byte)'}');                                  // state for BUILD: {'_metadata': OrderedDict()}
        Str(p, "_metadata");
        EmptyOrderedDict(p);
        p.WriteByte((byte)'s');
        p.WriteByte((byte)'b');                                  // BUILD
        if (nestWithClasses is not null) p.WriteByte((byte)'u'); // SETITEMS of the top-level dict
        p.WriteByte((byte)'.');                                  // STOP

        using var fs = File.Create(path);
        using var zip = new ZipArchive(fs, ZipArchiveMode.Create);
        Entry(zip, "archive/data.pkl", p.ToArray());
        for (int n = 0; n < tensors.Count; n++)
        {
            var bytes = new byte[tensors[n].Data.Length * 4];
            Buffer.BlockCopy(tensors[n].Data, 0, bytes, 0, bytes.Length);
            Entry(zip, $"archive/data/{n}", bytes);
        }
        Entry(zip, "archive/version", "3\n"u8.ToArray());
    }

    private static void Entry(ZipArchive zip, string name, byte[] bytes)
    {
        using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        s.Write(bytes);
    }

    private static void EmptyOrderedDict(Stream p)
    {
        Global(p, "collections", "OrderedDict");
        p.WriteByte((byte)')');                                  // EMPTY_TUPLE
        p.WriteByte((byte)'R');                                  // REDUCE
    }

    private static void Global(Stream p, string module, string name)
    {
        p.WriteByte((byte)'c');
        p.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private static void Str(Stream p, string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        p.WriteByte((byte)'X');                                  // BINUNICODE
        p.Write(BitConverter.GetBytes(b.Length));
        p.Write(b);
    }

    private static void Int(Stream p, long v)
    {
        p.WriteByte((byte)'J');                                  // BININT (4 bytes LE)
        p.Write(BitConverter.GetBytes(checked((int)v)));
    }

    private static void Tuple(Stream p, long[] items)
    {
        p.WriteByte((byte)'(');
        foreach (var i in items) Int(p, i);
        p.WriteByte((byte)'t');
    }
}
