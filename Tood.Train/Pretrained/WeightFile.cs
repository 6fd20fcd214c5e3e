using System.Collections;
using System.Text;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained;

/// <summary>Container format of a weight file.</summary>
public enum WeightFileFormat
{
    /// <summary><c>torch.save</c> zip archive (PyTorch ≥ 1.6), read with TorchSharp.PyBridge.</summary>
    PyTorch,

    /// <summary>Hugging Face safetensors (8-byte header length, JSON header, raw little-endian data).</summary>
    Safetensors,
}

/// <summary>
/// A state dict read from a PyTorch <c>.pth</c> or a <c>.safetensors</c> file, on the CPU. Owns its tensors:
/// dispose it. Accepted PyTorch layouts: a flat state dict (torchvision <c>resnet50-*.pth</c>), or a dict
/// holding it under <c>state_dict</c> (MMDetection/mmcv checkpoints, with <c>meta</c> and maybe
/// <c>optimizer</c>) or under <c>model</c>. Everything outside the state dict is dropped, except the
/// class names in <c>meta.CLASSES</c> (mmdet 2.x) or <c>meta.dataset_meta.classes</c> (mmdet 3.x).
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

    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    private WeightFile(string path, WeightFileFormat format, string layout, Dictionary<string, Tensor> tensors, IReadOnlyList<string>? classNames)
    {
        Path = path;
        Format = format;
        Layout = layout;
        _tensors = tensors;
        ClassNames = classNames;
    }

    /// <summary>Reads <paramref name="path"/>, detecting the format from the first bytes (not the extension).</summary>
    /// <exception cref="WeightsException">missing, unreadable or unsupported file (one line naming it).</exception>
    public static WeightFile Read(string path)
    {
        if (!File.Exists(path)) throw new WeightsException($"weight file '{path}' not found");
        var format = Sniff(path);
        try
        {
            return format == WeightFileFormat.PyTorch ? ReadPyTorch(path) : ReadSafetensors(path);
        }
        catch (Exception e) when (e is not WeightsException)
        {
            throw new WeightsException($"cannot read {format} weight file '{path}': {e.GetType().Name}: {FirstLine(e.Message)}", e);
        }
    }

    private static WeightFileFormat Sniff(string path)
    {
        Span<byte> head = stackalloc byte[16];
        int n;
        using (var fs = File.OpenRead(path)) n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n >= 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04) return WeightFileFormat.PyTorch;
        // safetensors: u64 LE header length, then the JSON header starting with '{'.
        if (n >= 9 && head[8] == (byte)'{' && BitConverter.ToUInt64(head[..8]) < (ulong)new FileInfo(path).Length)
            return WeightFileFormat.Safetensors;
        // torch.save before PyTorch 1.6 (or _use_new_zipfile_serialization=False): a raw pickle stream.
        if (n >= 2 && head[0] == 0x80 && head[1] <= 5)
            throw new WeightsException($"'{path}' uses the legacy (pre-1.6) torch.save format, which cannot be read; re-save it with torch.save(obj, path) from PyTorch ≥ 1.6 (zip format) or convert it to .safetensors");
        throw new WeightsException($"'{path}' is neither a PyTorch zip checkpoint nor a safetensors file");
    }

    private static WeightFile ReadPyTorch(string path)
    {
        // Tensors created while unpickling land in this scope; the kept ones are detached from it,
        // everything else (optimizer momentum, …) is freed when it closes.
        using var scope = torch.NewDisposeScope();
        Hashtable top;
        using (var fs = File.OpenRead(path)) top = PyTorchUnpickler.UnpickleStateDict(fs, leaveOpen: false);

        string layout;
        IDictionary source;
        if (top["state_dict"] is IDictionary sd) (layout, source) = ("state_dict", sd);
        else if (top["model"] is IDictionary md && md.Values.OfType<Tensor>().Any()) (layout, source) = ("model", md);
        else (layout, source) = ("flat", top);

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var nonTensors = new List<string>();
        foreach (DictionaryEntry e in source)
        {
            var key = e.Key?.ToString() ?? "";
            if (e.Value is Tensor t) tensors[key] = t;
            else if (key != "_metadata") nonTensors.Add(key); // torch state-dict version info, if the unpickler keeps it
        }
        if (tensors.Count == 0)
        {
            var keys = string.Join(", ", top.Keys.Cast<object>().Select(k => k.ToString()).Order(StringComparer.Ordinal).Take(8));
            throw new WeightsException($"'{path}' holds no state dict (top-level keys: {keys}); expected a flat state dict or one under 'state_dict'");
        }
        if (layout == "flat" && nonTensors.Count > 0)
            throw new WeightsException($"'{path}' mixes tensors with other entries ({string.Join(", ", nonTensors.Take(5))}) and has no 'state_dict' entry");

        foreach (var t in tensors.Values) t.DetachFromDisposeScope();
        return new WeightFile(path, WeightFileFormat.PyTorch, layout, tensors, ClassNamesFromMeta(top["meta"] as IDictionary));
    }

    private static WeightFile ReadSafetensors(string path)
    {
        using var scope = torch.NewDisposeScope();
        Dictionary<string, Tensor> loaded;
        using (var fs = File.OpenRead(path)) loaded = Safetensors.LoadStateDict(fs, leaveOpen: false);
        var tensors = new Dictionary<string, Tensor>(loaded, StringComparer.Ordinal);
        foreach (var t in tensors.Values) t.DetachFromDisposeScope();
        return new WeightFile(path, WeightFileFormat.Safetensors, "flat", tensors, null);
    }

    // mmdet 2.x: meta['CLASSES'] (tuple); mmdet 3.x: meta['dataset_meta']['classes'].
    private static IReadOnlyList<string>? ClassNamesFromMeta(IDictionary? meta)
    {
        if (meta is null) return null;
        var raw = meta["CLASSES"] ?? (meta["dataset_meta"] as IDictionary)?["classes"];
        if (raw is not IEnumerable seq || raw is string) return null;
        var items = seq.Cast<object?>().ToList();
        return items.Count > 0 && items.All(o => o is string) ? [.. items.Cast<string>()] : null;
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
