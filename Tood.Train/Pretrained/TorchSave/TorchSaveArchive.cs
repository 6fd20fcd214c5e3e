using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using Tood.Train.Pretrained.Pickle;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained.TorchSave;

/// <summary>The two on-disk layouts of <c>torch.save</c>.</summary>
public enum TorchSaveLayout
{
    /// <summary>PyTorch ≥ 1.6 default: a zip with <c>PREFIX/data.pkl</c> and one record <c>PREFIX/data/KEY</c> per storage.</summary>
    Zip,

    /// <summary>
    /// <c>_use_new_zipfile_serialization=False</c> (and every PyTorch before 1.6): five pickles back to back —
    /// magic number 0x1950a86a20f9469cfc6c, protocol version 1001, sys_info, the object (storages as persistent
    /// ids), the sorted storage-key list — then per key an int64 element count and the raw little-endian bytes.
    /// </summary>
    Legacy,
}

/// <summary>
/// An opened <c>torch.save</c> file, read without Python (torch/serialization.py <c>_load</c> and
/// <c>_legacy_load</c>): <see cref="Root"/> is the unpickled object with tensors as <see cref="TensorRef"/>;
/// <see cref="Materialise"/> reads a tensor's storage (once, cached) and copies its strided view into a new
/// contiguous CPU tensor, so shared storages, storage offsets and non-contiguous strides come out exactly as
/// <c>torch.load</c> gives them. The structure (storage sizes, legacy headers, file length) is checked on open.
/// Malformed input throws <see cref="InvalidDataException"/> with one line. Dispose to close the file.
/// </summary>
public sealed class TorchSaveArchive : IDisposable
{
    public static readonly BigInteger MagicNumber = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    public const long ProtocolVersion = 1001;

    private readonly FileStream _file;
    private readonly ZipArchive? _zip;
    private readonly string _zipPrefix = "";
    private readonly Dictionary<string, long> _legacyDataAt = new(StringComparer.Ordinal);
    private readonly bool _bigEndian;
    private readonly Dictionary<string, Tensor> _loaded = new(StringComparer.Ordinal);

    public TorchSaveLayout Layout { get; }
    public object? Root { get; }
    public IReadOnlyDictionary<string, StorageRef> Storages { get; }

    private TorchSaveArchive(string path)
    {
        _file = File.OpenRead(path);
        try
        {
            var resolver = new TorchPickleResolver();
            Span<byte> head = stackalloc byte[4];
            int n = _file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            _file.Position = 0;
            if (n == 4 && head.SequenceEqual("PK\x03\x04"u8))
            {
                Layout = TorchSaveLayout.Zip;
                _zip = new ZipArchive(_file, ZipArchiveMode.Read, leaveOpen: true);
                var pkl = _zip.Entries.Where(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList();
                if (pkl.Count != 1) throw new InvalidDataException($"zip without exactly one PREFIX/data.pkl record (found {pkl.Count}); not a torch.save file");
                _zipPrefix = pkl[0].FullName[..(pkl[0].FullName.Length - "data.pkl".Length)];
                using (var s = new MemoryStream()) // the pickle stream must be seekable for offsets in messages
                {
                    using (var e = pkl[0].Open()) e.CopyTo(s);
                    s.Position = 0;
                    Root = new PickleReader(s, resolver).Load();
                }
                var order = _zip.GetEntry(_zipPrefix + "byteorder");
                if (order is not null)
                {
                    using var r = new StreamReader(order.Open());
                    var text = r.ReadToEnd();
                    _bigEndian = text == "big" ? true : text == "little" ? false : throw new InvalidDataException($"unknown byteorder record '{text}'");
                }
                foreach (var st in resolver.Storages.Values)
                {
                    var entry = _zip.GetEntry(_zipPrefix + "data/" + st.Key) ?? throw new InvalidDataException($"storage '{st.Key}' has no record {_zipPrefix}data/{st.Key}");
                    if (entry.Length != st.RootNumel * st.ElementSize)
                        throw new InvalidDataException($"record {entry.FullName} holds {entry.Length} bytes, storage '{st.Key}' needs {st.RootNumel * st.ElementSize} ({st.RootNumel} × {st.Dtype})");
                }
            }
            else
            {
                Layout = TorchSaveLayout.Legacy;
                Root = ReadLegacy(resolver, out _bigEndian);
            }
            Storages = resolver.Storages;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Opens and checks <paramref name="path"/> (zip or legacy, told apart by the first bytes).</summary>
    public static TorchSaveArchive Open(string path) => new(path);

    private object? ReadLegacy(TorchPickleResolver resolver, out bool bigEndian)
    {
        var plain = new PickleReader(_file);
        var magic = plain.Load();
        if (!(magic is BigInteger m && m == MagicNumber))
            throw new InvalidDataException($"a pickle whose first value is {PyRepr.Of(magic)}, not the torch.save magic number 0x1950a86a20f9469cfc6c");
        var protocol = plain.Load();
        if (protocol is not ProtocolVersion) throw new InvalidDataException($"torch.save protocol version {PyRepr.Of(protocol)}, expected {ProtocolVersion}");
        bigEndian = plain.Load() is PyDict sysInfo && sysInfo.Get("little_endian") is false;
        var root = new PickleReader(_file, resolver).Load();
        if (plain.Load() is not List<object?> keys || keys.Any(k => k is not string))
            throw new InvalidDataException("the storage-key list after the object pickle is not a list of strings");

        // Storages follow in key-list order: int64 element count, then the bytes (torch _set_from_file).
        long at = _file.Position, length = _file.Length;
        Span<byte> header = stackalloc byte[8];
        foreach (string key in keys.Cast<string>())
        {
            if (!resolver.Storages.TryGetValue(key, out var st)) throw new InvalidDataException($"storage key '{key}' is listed but never referenced by the pickle");
            long bytes = st.RootNumel * st.ElementSize;
            if (at + 8 + bytes > length)
                throw new InvalidDataException($"truncated: storage '{key}' ({st.RootNumel} × {st.Dtype}) needs bytes {at}..{at + 8 + bytes} but the file has {length}");
            _file.Position = at;
            _file.ReadExactly(header);
            long count = bigEndian ? BinaryPrimitives.ReadInt64BigEndian(header) : BinaryPrimitives.ReadInt64LittleEndian(header);
            if (count != st.RootNumel)
                throw new InvalidDataException($"storage '{key}' at byte {at} records {count} elements, its persistent id says {st.RootNumel}");
            _legacyDataAt[key] = at + 8;
            at += 8 + bytes;
        }
        foreach (var key in resolver.Storages.Keys)
            if (!_legacyDataAt.ContainsKey(key)) throw new InvalidDataException($"storage '{key}' is referenced but missing from the storage-key list");
        return root;
    }

    /// <summary>A new contiguous CPU tensor with the values of <paramref name="t"/> (the caller owns it).</summary>
    public Tensor Materialise(TensorRef t)
    {
        if (t.Problem() is { } problem) throw new InvalidDataException(problem);
        var storage = Load(t.Storage);
        using var scope = torch.NewDisposeScope();
        var view = storage.as_strided(t.Shape, t.Stride, t.Storage.Offset + t.Offset);
        return torch.empty(t.Shape, t.Storage.Dtype).copy_(view).MoveToOuterDisposeScope();
    }

    private Tensor Load(StorageRef s)
    {
        if (_loaded.TryGetValue(s.Key, out var cached)) return cached;
        long bytes = s.RootNumel * s.ElementSize;
        if (bytes > int.MaxValue) throw new InvalidDataException($"storage '{s.Key}' is {bytes} bytes; storages over 2 GiB are not supported");
        var t = torch.empty([s.RootNumel], s.Dtype);
        try
        {
            var dst = t.bytes;
            if (_zip is not null)
            {
                using var e = _zip.GetEntry(_zipPrefix + "data/" + s.Key)!.Open();
                e.ReadExactly(dst);
            }
            else
            {
                _file.Position = _legacyDataAt[s.Key];
                _file.ReadExactly(dst);
            }
            if (_bigEndian) SwapBytes(dst, s.ElementSize);
        }
        catch
        {
            t.Dispose();
            throw;
        }
        _loaded[s.Key] = t;
        return t;
    }

    private static void SwapBytes(Span<byte> data, int size)
    {
        if (size == 1) return;
        for (int i = 0; i + size <= data.Length; i += size) data.Slice(i, size).Reverse();
    }

    public void Dispose()
    {
        foreach (var t in _loaded.Values) t.Dispose();
        _loaded.Clear();
        _zip?.Dispose();
        _file.Dispose();
    }
}
