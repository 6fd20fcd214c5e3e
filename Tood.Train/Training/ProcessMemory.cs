using System.Globalization;
using System.Runtime.InteropServices;

namespace Tood.Train.Training;

/// <summary>
/// Process memory figures for <c>bench-train</c> (Linux): resident set size and its high-water mark from
/// /proc/self/status, and glibc's own allocator figures (mallinfo2), which is where libtorch's CPU tensors
/// live (its CPU allocator is posix_memalign/free). TorchSharp 0.107 exposes no libtorch allocator statistics
/// (neither CPU nor CUDA), so these are the closest figures. Everything returns null where unavailable.
/// </summary>
public static partial class ProcessMemory
{
    /// <summary>VmHWM: peak resident set size in bytes since start or the last <see cref="ResetPeak"/>.</summary>
    public static long? PeakRss() => Status("VmHWM:");

    /// <summary>VmRSS: current resident set size in bytes.</summary>
    public static long? Rss() => Status("VmRSS:");

    /// <summary>RssAnon / RssFile: the anonymous (heaps, stacks, managed heap) and file-backed (library code) parts of the RSS.</summary>
    public static (long Anon, long File)? RssParts() =>
        Status("RssAnon:") is { } anon && Status("RssFile:") is { } file ? (anon, file) : null;

    /// <summary>Resets <see cref="PeakRss"/> to the current RSS (writes 5 to /proc/self/clear_refs); false where not possible.</summary>
    public static bool ResetPeak()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return false;
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>glibc malloc: bytes handed out (in use) and bytes the allocator holds from the kernel (heap + mmapped chunks).</summary>
    public static (long InUse, long Held)? Malloc()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var m = MallInfo2();
            return ((long)(m.uordblks + m.hblkhd), (long)(m.arena + m.hblkhd));
        }
        catch (DllNotFoundException) { return null; }
        catch (EntryPointNotFoundException) { return null; }   // glibc < 2.33 or another libc
    }

    private static long? Status(string key)
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return null;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
                var kb = line[key.Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException) { }
        return null;
    }

#pragma warning disable IDE1006, CS0649 // glibc's field names; filled by the native call
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2Struct
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }
#pragma warning restore IDE1006, CS0649

    [LibraryImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static partial MallInfo2Struct MallInfo2();
}
