using Tood.Train.Pretrained.Pickle;

namespace Tood.Train.Pretrained.TorchSave;

/// <summary>
/// The torch side of unpickling a <c>torch.save</c> file (torch/serialization.py, torch/_utils.py): storage
/// persistent ids become <see cref="StorageRef"/> (one per key: tensors sharing a storage share the ref) and
/// the tensor rebuild functions become <see cref="TensorRef"/>. No data is read here.
/// </summary>
internal sealed class TorchPickleResolver : IPickleResolver
{
    private readonly Dictionary<string, StorageRef> _storages = new(StringComparer.Ordinal);

    /// <summary>Root storages by key, as referenced by the pickle.</summary>
    public IReadOnlyDictionary<string, StorageRef> Storages => _storages;

    public object? PersistentLoad(object? pid)
    {
        if (pid is not PyTuple { Count: >= 1 } t) throw new InvalidDataException($"persistent id {PyRepr.Of(pid)} is not a tuple");
        switch (t[0])
        {
            case "module": // legacy format, whole nn.Module classes: (..., class, source_file, source)
                return new PyObject(t.Count > 1 ? t[1] as PyGlobal : null, t);
            case "storage" when t.Count is 5 or 6:
                break;
            default:
                throw new InvalidDataException($"unknown persistent id {t}");
        }
        if (t[1] is not PyGlobal cls || TorchDtypes.FromStorageName(cls.Name) is not { } dtype)
            throw new InvalidDataException($"unknown storage type {PyRepr.Of(t[1])}");
        var key = t[2] as string ?? throw new InvalidDataException($"storage key {PyRepr.Of(t[2])} is not a string");
        var location = t[3] as string ?? "cpu";
        long numel = t[4] is long n && n >= 0 ? n : throw new InvalidDataException($"storage '{key}' has element count {PyRepr.Of(t[4])}");

        if (_storages.TryGetValue(key, out var root))
        {
            if (root.Dtype != dtype || root.RootNumel != numel)
                throw new InvalidDataException($"storage '{key}' is referenced as {dtype}[{numel}] and as {root.Dtype}[{root.RootNumel}]");
        }
        else _storages[key] = root = new StorageRef(key, dtype, numel, location, 0, numel);

        // Legacy view_metadata (view_key, offset, size): a window of the root storage.
        if (t.Count == 6 && t[5] is PyTuple { Count: 3 } view)
        {
            if (view[1] is not long off || view[2] is not long size || off < 0 || size < 0 || off + size > numel)
                throw new InvalidDataException($"storage view {view} does not fit storage '{key}' of {numel} elements");
            return root with { Offset = off, Numel = size };
        }
        return root;
    }

    public bool TryReduce(PyGlobal callable, PyTuple args, out object? result)
    {
        result = null;
        if (callable.Module != "torch._utils") return false;
        switch (callable.Name)
        {
            case "_rebuild_tensor_v2" when args.Count >= 5: // (storage, offset, size, stride, requires_grad, hooks[, metadata])
            case "_rebuild_tensor" when args.Count == 4:    // (storage, offset, size, stride)
                var storage = args[0] as StorageRef ?? throw new InvalidDataException($"tensor over {PyRepr.Of(args[0])}, not a storage");
                result = new TensorRef(storage, Long(args[1], "storage offset"), Longs(args[2], "size"), Longs(args[3], "stride"),
                    args.Count > 4 && args[4] is true);
                return true;
            case "_rebuild_parameter" or "_rebuild_parameter_with_state" when args.Count >= 1: // (data, requires_grad, hooks[, state])
                result = args[0];
                return true;
            default:
                return false;
        }
    }

    private static long Long(object? v, string what) => v as long? ?? throw new InvalidDataException($"tensor {what} {PyRepr.Of(v)} is not an integer");

    private static long[] Longs(object? v, string what) => v switch
    {
        PyTuple t => [.. t.Items.Select(i => Long(i, what))],
        List<object?> l => [.. l.Select(i => Long(i, what))],
        _ => throw new InvalidDataException($"tensor {what} {PyRepr.Of(v)} is not a tuple"),
    };
}
