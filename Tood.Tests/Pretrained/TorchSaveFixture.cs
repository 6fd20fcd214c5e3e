using System.IO.Compression;
using Tood.Train.Pretrained.TorchSave;

namespace Tood.Tests.Pretrained;

/// <summary>
/// Writes files in the byte layouts of <c>torch.save</c>, following torch/serialization.py (read, not run):
/// <list type="bullet">
/// <item>zip (<c>_save</c>): <c>archive/data.pkl</c> with persistent ids <c>('storage', torch.FloatStorage, key, 'cpu', numel)</c>,
/// keys "0", "1", … in first-use order, one stored record <c>archive/data/KEY</c> per storage, <c>archive/byteorder</c>,
/// <c>archive/version</c>;</item>
/// <item>legacy (<c>_legacy_save</c>): pickles of the magic number 0x1950a86a20f9469cfc6c, the protocol version
/// 1001 and sys_info, the object with 6-tuple persistent ids (view_metadata None, keys are decimal storage
/// addresses), the key list sorted as Python sorts strings, then per key an int64 element count and the bytes.</item>
/// </list>
/// Values are built from <see cref="FixtureDict"/>, <see cref="FixtureTensor"/>, strings, ints, tuples (object?[]).
/// Tensors sharing a <see cref="FixtureStorage"/> share one storage in the file, as in PyTorch.
/// </summary>
internal static class TorchSaveFixture
{
    public static void Write(string path, object root, TorchSaveLayout layout)
    {
        if (layout == TorchSaveLayout.Zip) WriteZip(path, root);
        else WriteLegacy(path, root);
    }

    /// <summary>A float32 state dict (OrderedDict), optionally nested as mmcv does:
    /// <c>{'meta': {'CLASSES': (...)}, 'state_dict': OrderedDict(...)}</c>.</summary>
    public static void Write(string path, IReadOnlyList<(string Key, float[] Data, long[] Shape)> tensors, IReadOnlyList<string>? nestWithClasses,
        TorchSaveLayout layout = TorchSaveLayout.Zip)
    {
        var sd = new FixtureDict(true, [.. tensors.Select(t => ((object)t.Key, (object?)FixtureTensor.Contiguous(FixtureStorage.Float(t.Data), t.Shape)))]);
        object root = nestWithClasses is null ? sd
            : new FixtureDict(false, ("meta", new FixtureDict(false, ("CLASSES", nestWithClasses.Cast<object?>().ToArray()))), ("state_dict", sd));
        Write(path, root, layout);
    }

    private static void WriteZip(string path, object root)
    {
        var keys = new Dictionary<FixtureStorage, string>(ReferenceEqualityComparer.Instance);
        var pkl = new MemoryStream();
        new FixturePickler(pkl, st =>
        {
            if (!keys.TryGetValue(st, out var key)) keys[st] = key = keys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ["storage", new StorageClass(st.TypeName), key, "cpu", st.Numel];
        }).Dump(root);

        using var fs = File.Create(path);
        using var zip = new ZipArchive(fs, ZipArchiveMode.Create);
        Entry(zip, "archive/data.pkl", pkl.ToArray());
        Entry(zip, "archive/byteorder", "little"u8.ToArray());
        foreach (var (st, key) in keys.OrderBy(kv => kv.Value, StringComparer.Ordinal)) Entry(zip, $"archive/data/{key}", st.Bytes);
        Entry(zip, "archive/version", "3\n"u8.ToArray());
    }

    private static void WriteLegacy(string path, object root)
    {
        // Keys are str(storage._cdata): addresses whose string order differs from the order of first use.
        var keys = new Dictionary<FixtureStorage, string>(ReferenceEqualityComparer.Instance);
        using var fs = File.Create(path);
        var magic = TorchSaveArchive.MagicNumber.ToByteArray(isUnsigned: false, isBigEndian: false);
        fs.Write([0x80, 0x02, 0x8a, (byte)magic.Length, .. magic, (byte)'.']);
        new FixturePickler(fs, _ => throw new InvalidOperationException()).Dump(TorchSaveArchive.ProtocolVersion);
        new FixturePickler(fs, _ => throw new InvalidOperationException()).Dump(new FixtureDict(false,
            ("protocol_version", TorchSaveArchive.ProtocolVersion), ("little_endian", true),
            ("type_sizes", new FixtureDict(false, ("short", 2), ("int", 4), ("long", 8)))));
        new FixturePickler(fs, st =>
        {
            if (!keys.TryGetValue(st, out var key)) keys[st] = key = (940_000_000L / (keys.Count + 1)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ["storage", new StorageClass(st.TypeName), key, "cpu", st.Numel, null];
        }).Dump(root);
        var sorted = keys.OrderBy(kv => kv.Value, StringComparer.Ordinal).ToList();
        new FixturePickler(fs, _ => throw new InvalidOperationException()).Dump(sorted.Select(kv => (object?)kv.Value).ToList());
        foreach (var (st, _) in sorted)
        {
            fs.Write(BitConverter.GetBytes(st.Numel));
            fs.Write(st.Bytes);
        }
    }

    private static void Entry(ZipArchive zip, string name, byte[] bytes)
    {
        using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        s.Write(bytes);
    }
}

/// <summary>A <c>torch.XxxStorage</c> class reference inside a persistent id (pickled as GLOBAL torch XxxStorage).</summary>
internal sealed record StorageClass(string Name);
