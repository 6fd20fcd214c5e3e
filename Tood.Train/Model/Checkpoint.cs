using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>A checkpoint file that cannot be read; the message is one line naming the file.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What <see cref="Checkpoint.Load"/> returns. Dispose to free the model's native memory.</summary>
/// <param name="Model">The weights to evaluate and deploy (with <c>--ema</c>, the averaged ones).</param>
/// <param name="TrainingState">With <c>--ema</c>, the optimizer's own weights (a state dict), which a resumed run
/// continues from; null when they are <paramref name="Model"/>'s.</param>
public sealed record LoadedCheckpoint(ToodDetector Model, CheckpointMeta Meta, byte[]? OptimizerState, byte[]? TrainingState = null) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// One-file checkpoint, written atomically (<c>path.tmp</c>, flush to disk, rename over <c>path</c>).
/// Layout (little endian): magic "TOODCKPT", int32 format version, int32 JSON length + UTF-8
/// <see cref="CheckpointMeta"/>, int64 length + TorchSharp <c>Module.save</c> state dict, int64 length +
/// optimizer state (0 = none, from <c>OptimizerHelper.save_state_dict</c>), [version 2] int64 length + the training
/// weights' state dict when they differ from the first (an EMA run's last.ckpt; 0 = none), end marker "TOODEND!".
/// Version 1 files (no training-weights block) still load.
/// </summary>
public static class Checkpoint
{
    private static readonly byte[] Magic = "TOODCKPT"u8.ToArray();
    private static readonly byte[] EndMarker = "TOODEND!"u8.ToArray();
    public const int FormatVersion = 2;

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void Save(string path, ToodDetector model, CheckpointMeta meta, byte[]? optimizerState = null) =>
        Save(path, model, meta, optimizerState is null ? null : w => w.Write(optimizerState));

    /// <summary>Saves with the optimizer's state (<see cref="SerializeOptimizer"/>'s bytes) streamed into the file.</summary>
    public static void Save(string path, ToodDetector model, CheckpointMeta meta, OptimizerHelper optimizer, ToodDetector? training = null) =>
        Save(path, model, meta, w => optimizer.save_state_dict(w), training);

    // The weights and the optimizer state are written straight into the file, each behind a length patched in
    // afterwards: no in-memory copy of either (an r50 model + momentum is ~0.25 GB, which buffered through
    // MemoryStreams cost up to 3× that in managed memory at every epoch end).
    private static void Save(string path, ToodDetector model, CheckpointMeta meta, Action<BinaryWriter>? writeOptimizer, ToodDetector? training = null)
    {
        if (meta.Model != model.Config)
            meta = meta with { Model = model.Config };
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var w = new BinaryWriter(fs, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            var json = JsonSerializer.SerializeToUtf8Bytes(meta, Json);
            w.Write(json.Length);
            w.Write(json);
            WriteBlock(w, writer => model.save(writer));
            WriteBlock(w, writeOptimizer);
            WriteBlock(w, training is null ? null : writer => training.save(writer));
            w.Write(EndMarker);
            w.Flush();
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>An int64 length, then the bytes <paramref name="write"/> produces (none when null).</summary>
    private static void WriteBlock(BinaryWriter w, Action<BinaryWriter>? write)
    {
        var stream = w.BaseStream;
        long lengthAt = stream.Position;
        w.Write(0L);
        write?.Invoke(w);
        w.Flush();
        long end = stream.Position;
        stream.Position = lengthAt;
        w.Write(end - lengthAt - sizeof(long));
        w.Flush();
        stream.Position = end;
    }

    /// <summary>Reads only the metadata (cheap; no tensors).</summary>
    public static CheckpointMeta ReadMeta(string path)
    {
        using var r = Open(path, out var fileLength);
        return ReadHeader(r, path, fileLength, out _);
    }

    /// <summary>Rebuilds the model from the stored config and loads the weights onto <paramref name="device"/>.</summary>
    public static LoadedCheckpoint Load(string path, Device? device = null)
    {
        using var r = Open(path, out var fileLength);
        var meta = ReadHeader(r, path, fileLength, out int version);
        var stateBytes = ReadBlock(r, path, fileLength, "model state");
        var opt = ReadBlock(r, path, fileLength, "optimizer state");
        var training = version >= 2 ? ReadBlock(r, path, fileLength, "training weights") : [];
        var end = r.ReadBytes(EndMarker.Length);
        if (!end.AsSpan().SequenceEqual(EndMarker))
            throw new CheckpointException($"checkpoint '{path}' is truncated or corrupt (missing end marker)");

        var model = ModelFromState(meta, stateBytes, path, device);
        return new LoadedCheckpoint(model, meta, opt.Length == 0 ? null : opt, training.Length == 0 ? null : training);
    }

    /// <summary>A model of <paramref name="meta"/>'s architecture with the weights of a state dict block (eval mode).</summary>
    public static ToodDetector ModelFromState(CheckpointMeta meta, byte[] state, string path, Device? device)
    {
        var model = new ToodDetector(meta.Model);
        try
        {
            using var ms = new MemoryStream(state);
            using var br = new BinaryReader(ms);
            model.load(br, strict: true);
            if (device is not null) model.to(device);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            model.Dispose();
            throw new CheckpointException($"checkpoint '{path}': weights do not match preset '{meta.Model.Preset}' ({e.Message.Split('\n')[0]})", e);
        }
        model.eval();
        return model;
    }

    /// <summary>Convenience: the model only (eval mode).</summary>
    public static ToodDetector LoadModel(string path, Device? device = null) => Load(path, device).Model;

    /// <summary>Serialises an optimizer's state (e.g. SGD momentum buffers) for <see cref="Save"/>.</summary>
    public static byte[] SerializeOptimizer(OptimizerHelper optimizer)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(w);
        return ms.ToArray();
    }

    /// <summary>Restores state written by <see cref="SerializeOptimizer"/> into an optimizer over the same parameters.</summary>
    public static void RestoreOptimizer(OptimizerHelper optimizer, byte[] state)
    {
        using var ms = new MemoryStream(state);
        using var r = new BinaryReader(ms);
        optimizer.load_state_dict(r);
    }

    private static BinaryReader Open(string path, out long length)
    {
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint '{path}' not found");
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        length = fs.Length;
        return new BinaryReader(fs, Encoding.UTF8, leaveOpen: false);
    }

    private static CheckpointMeta ReadHeader(BinaryReader r, string path, long fileLength, out int version)
    {
        var magic = r.ReadBytes(Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic))
            throw new CheckpointException($"'{path}' is not a Tood checkpoint (bad magic)");
        if (r.BaseStream.Length - r.BaseStream.Position < 8)
            throw new CheckpointException($"checkpoint '{path}' is truncated (header)");
        version = r.ReadInt32();
        if (version is < 1 or > FormatVersion)
            throw new CheckpointException($"checkpoint '{path}' has format version {version}, this build reads 1 to {FormatVersion}");
        int jsonLength = r.ReadInt32();
        if (jsonLength < 0 || jsonLength > fileLength - r.BaseStream.Position)
            throw new CheckpointException($"checkpoint '{path}' is truncated (metadata)");
        try
        {
            var meta = JsonSerializer.Deserialize<CheckpointMeta>(r.ReadBytes(jsonLength), Json)
                ?? throw new CheckpointException($"checkpoint '{path}' has empty metadata");
            meta.Model.Validate();
            return meta;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new CheckpointException($"checkpoint '{path}' has invalid metadata: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static byte[] ReadBlock(BinaryReader r, string path, long fileLength, string what)
    {
        if (fileLength - r.BaseStream.Position < 8)
            throw new CheckpointException($"checkpoint '{path}' is truncated ({what})");
        long n = r.ReadInt64();
        if (n < 0 || n > fileLength - r.BaseStream.Position)
            throw new CheckpointException($"checkpoint '{path}' is truncated ({what}: {n} bytes declared, {fileLength - r.BaseStream.Position} left)");
        return r.ReadBytes(checked((int)n));
    }
}
