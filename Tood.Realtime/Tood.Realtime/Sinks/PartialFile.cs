namespace Tood.Realtime.Sinks;

/// <summary>
/// Output written under a hidden temporary name next to the target (".name.partial.ext", same directory
/// so the final rename is atomic) and moved into place when complete, so a failed run never leaves a
/// half-written file under the requested name.
/// </summary>
internal sealed class PartialFile
{
    public string FinalPath { get; }
    public string TempPath { get; }

    public PartialFile(string path, string flag)
    {
        FinalPath = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(FinalPath)!;
        if (!Directory.Exists(dir)) throw new IOException($"{flag} {path}: directory {dir} does not exist");
        if (Directory.Exists(FinalPath)) throw new IOException($"{flag} {path}: is a directory");
        TempPath = Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(FinalPath)}.partial{Environment.ProcessId}{Path.GetExtension(FinalPath)}");
        try { using var probe = new FileStream(TempPath, FileMode.Create, FileAccess.Write); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{flag} {path}: cannot write there ({e.Message})", e);
        }
    }

    public void Commit() => File.Move(TempPath, FinalPath, overwrite: true);

    public void Delete()
    {
        try { File.Delete(TempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
