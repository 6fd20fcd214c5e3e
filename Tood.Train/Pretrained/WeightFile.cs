using System.Collections;
using System.Text;
using Tood.Train.Pretrained.Pickle;
using Tood.Train.Pretrained.TorchSave;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained;

/// <summary>Container format of a weight file.</summary>
public enum WeightFileFormat
{
    /// <summary><c>torch.save</c> zip archive (PyTorch ≥ 1.6 default).</summary>
    PyTorch,

    /// <summary><c>torch.save</c> legacy stream (PyTorch &lt; 1.6, or <c>_use_new_zipfile_serialization=False</c> as
    /// MMDetection 2.x's publish_model.py wrote under torch 1.6–1.9).</summary>
    PyTorchLegacy,

    /// <summary>Hugging Face safetensors (8-byte header length, JSON header, raw little-endian data).</summary>
    Safetensors,
}

/// <summary>
/// A state dict read from a PyTorch <c>.pth</c> (zip or legacy <c>torch.save</c> layout, read by
/// <see cref="TorchSaveArchive"/> without Python) or a <c>.safetensors</c> file, on the CPU. Owns its tensors:
/// dispose it. Accepted PyTorch layouts: a flat state dict (torchvision <c>resnet50-*.pth</c>), or a dict
/// holding it under <c>state_dict</c> (MMDetection/mmcv checkpoints, with <c>meta</c> and maybe
/// <c>optimizer</c>) or under <c>model</c>. Only the state dict's tensors are read from disk; from the rest
/// the reader keeps the class names (<c>meta.CLASSES</c> mmdet 2.x, <c>meta.dataset_meta.classes</c> 3.x) and
/// the training config text (<c>meta.config</c> mmdet 2.x, <c>meta.cfg</c> mmengine).
/// </summary>
public sealed class WeightFile : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    public string Path { get; }
    public WeightFileFormat Format { get; }

    /// <summary>Where the state dict was found: "flat", "state_dict" or "model".</summary>
    public string Layout { get; }

    /// <summary>Class names from the checkpoint's meta, if it has them.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>The config the checkpoint was trained with (Python config text from its meta), if stored.</summary>
    public string? ConfigText { get; }

    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    private WeightFile(string path, WeightFileFormat format, string layout, Dictionary<string, Tensor> tensors,
        IReadOnlyList<string>? classNames = null, string? configText = null)
    {
        Path = path;
        Format = format;
        Layout = layout;
        _tensors = tensors;
        ClassNames = classNames;
        ConfigText = configText;
    }

    /// <summary>Reads <paramref name="path"/>, detecting the format from the first bytes (not the extension).</summary>
    /// <exception cref="WeightsException">missing, unreadable, malformed or unsupported file (one line naming it).</exception>
    public static WeightFile Read(string path)
    {
        if (!File.Exists(path)) throw new WeightsException($"weight file '{path}' not found");
        var format = Sniff(path);
        try
        {
            return format == WeightFileFormat.Safetensors ? ReadSafetensors(path) : ReadPyTorch(path, format);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new WeightsException($"cannot read {Describe(format)} weight file '{path}': {FirstLine(e.Message)}", e);
        }
        catch (Exception e) when (e is not WeightsException)
        {
            throw new WeightsException($"cannot read {Describe(format)} weight file '{path}': {e.GetType().Name}: {FirstLine(e.Message)}", e);
        }
    }

    private static string Describe(WeightFileFormat f) => f switch
    {
        WeightFileFormat.PyTorch => "PyTorch (zip)",
        WeightFileFormat.PyTorchLegacy => "PyTorch (legacy torch.save)",
        _ => f.ToString(),
    };

    private static WeightFileFormat Sniff(string path)
    {
        Span<byte> head = stackalloc byte[264];
        int n;
        using (var fs = File.OpenRead(path)) n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n >= 4 && head[..4].SequenceEqual("PK\x03\x04"u8)) return WeightFileFormat.PyTorch;
        // safetensors: u64 LE header length, then the JSON header starting with '{'.
        if (n >= 9 && head[8] == (byte)'{' && BitConverter.ToUInt64(head[..8]) < (ulong)new FileInfo(path).Length)
            return WeightFileFormat.Safetensors;
        // Legacy torch.save: a protocol-2 pickle of the magic number comes first.
        if (n >= 2 && head[0] == 0x80 && head[1] <= 5) return WeightFileFormat.PyTorchLegacy;
        if (n >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
            throw new WeightsException($"'{path}' is a tar archive: the torch.save tar format of PyTorch < 0.4 is not supported; re-save it with a newer PyTorch");
        throw new WeightsException($"'{path}' is neither a PyTorch checkpoint (zip or legacy torch.save) nor a safetensors file");
    }

    private static WeightFile ReadPyTorch(string path, WeightFileFormat format)
    {
        using var archive = TorchSaveArchive.Open(path);
        if (archive.Root is not PyDict top)
            throw new WeightsException($"'{path}' holds a {PyRepr.Of(archive.Root)}, not a dict of tensors");

        string layout;
        PyDict source;
        if (top.Get("state_dict") is PyDict sd) (layout, source) = ("state_dict", sd);
        else if (top.Get("model") is PyDict md && md.Values.OfType<TensorRef>().Any()) (layout, source) = ("model", md);
        else (layout, source) = ("flat", top);

        var refs = new List<(string Key, TensorRef Ref)>();
        var nonTensors = new List<string>();
        foreach (var (k, v) in source)
        {
            var key = k as string ?? PyRepr.Of(k);
            if (v is TensorRef t) refs.Add((key, t));
            else if (key != "_metadata") nonTensors.Add(key); // torch's state-dict version info, when stored as an item
        }
        if (refs.Count == 0)
        {
            var keys = string.Join(", ", top.Keys.Select(PyRepr.Of).Order(StringComparer.Ordinal).Take(8));
            throw new WeightsException($"'{path}' holds no state dict (top-level keys: {keys}); expected a flat state dict or one under 'state_dict'");
        }
        if (layout == "flat" && nonTensors.Count > 0)
            throw new WeightsException($"'{path}' mixes tensors with other entries ({string.Join(", ", nonTensors.Take(5))}) and has no 'state_dict' entry");

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, r) in refs)
            {
                try { tensors[key] = archive.Materialise(r); }
                catch (InvalidDataException e) { throw new InvalidDataException($"tensor '{key}': {e.Message}", e); }
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        var meta = top.Get("meta") as PyDict;
        var fmt = archive.Layout == TorchSaveLayout.Legacy ? WeightFileFormat.PyTorchLegacy : WeightFileFormat.PyTorch;
        return new WeightFile(path, fmt, layout, tensors, ClassNamesFromMeta(meta), (meta?.Get("config") ?? meta?.Get("cfg")) as string);
    }

    private static WeightFile ReadSafetensors(string path)
    {
        using var scope = torch.NewDisposeScope();
        Dictionary<string, Tensor> loaded;
        using (var fs = File.OpenRead(path)) loaded = Safetensors.LoadStateDict(fs, leaveOpen: false);
        var tensors = new Dictionary<string, Tensor>(loaded, StringComparer.Ordinal);
        foreach (var t in tensors.Values) t.DetachFromDisposeScope();
        return new WeightFile(path, WeightFileFormat.Safetensors, "flat", tensors);
    }

    // mmdet 2.x: meta['CLASSES'] (tuple); mmdet 3.x: meta['dataset_meta']['classes'].
    private static IReadOnlyList<string>? ClassNamesFromMeta(PyDict? meta)
    {
        if (meta is null) return null;
        var raw = meta.Get("CLASSES") ?? (meta.Get("dataset_meta") as PyDict)?.Get("classes");
        IReadOnlyList<object?>? items = raw switch
        {
            PyTuple t => t.Items,
            List<object?> l => l,
            _ => null,
        };
        return items is { Count: > 0 } && items.All(o => o is string) ? [.. items.Cast<string>()] : null;
    }

    /// <summary>
    /// Writes a state dict in PyTorch zip format (loadable with <c>torch.load</c>), atomically
    /// (temp file + rename). With <paramref name="nestUnder"/> the file is <c>{nestUnder: state_dict, **extra}</c>
    /// like an mmcv checkpoint; <paramref name="extra"/> values may be strings, numbers, lists, dicts or tensors.
    /// </summary>
    public static void SavePyTorch(string path, IEnumerable<KeyValuePair<string, Tensor>> stateDict,
        string? nestUnder = null, IReadOnlyDictionary<string, object>? extra = null)
    {
        using var scope = torch.NewDisposeScope();
        var sd = new Hashtable();
        foreach (var (k, v) in stateDict) sd[k] = Cpu(v);
        Hashtable top;
        if (nestUnder is null)
        {
            if (extra is { Count: > 0 }) throw new ArgumentException("extra entries need nestUnder", nameof(extra));
            top = sd;
        }
        else
        {
            top = new Hashtable { [nestUnder] = sd };
            if (extra is not null)
                foreach (var (k, v) in extra) top[k] = v;
        }
        WriteAtomically(path, fs => PyTorchPickler.PickleStateDict(fs, top, leaveOpen: true));
    }

    /// <summary>Writes a state dict as safetensors, atomically.</summary>
    public static void SaveSafetensors(string path, IEnumerable<KeyValuePair<string, Tensor>> stateDict)
    {
        using var scope = torch.NewDisposeScope();
        var sd = stateDict.ToDictionary(kv => kv.Key, kv => Cpu(kv.Value), StringComparer.Ordinal);
        foreach (var k in sd.Keys)
            if (Encoding.UTF8.GetByteCount(k) != k.Length)
                throw new ArgumentException($"safetensors key '{k}' is not ASCII"); // PyBridge writes the header length in chars
        WriteAtomically(path, fs => Safetensors.SaveStateDict(fs, sd, leaveOpen: true));
    }

    // Contiguous CPU copy: the picklers write the raw storage bytes.
    private static Tensor Cpu(Tensor t) => t.detach().cpu().contiguous();

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }
}
