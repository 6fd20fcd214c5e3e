using Google.Protobuf;
using Tood.Train.Export.Onnx;

namespace Tood.Train.Export;

/// <summary>Serialises a model and writes it atomically (temp file in the same folder, then rename),
/// so a crash or a concurrent reader never sees a half-written model.</summary>
internal static class OnnxModelFile
{
    public static byte[] ToBytes(ModelProto model) => model.ToByteArray();

    public static void WriteAtomic(string path, ModelProto model)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                model.WriteTo(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { /* best effort cleanup; the original error matters */ }
            throw;
        }
    }
}
