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
    public static long? PeakRss() => Status()?.Peak;

    /// <summary>VmRSS: current resident set size in bytes.</summary>
    public static long? Rss() => Status()?.Rss;

    /// <summary>RssAnon / RssFile: the anonymous (heaps, stacks, managed heap) and file-backed (library code) parts of the RSS.</summary>
    public static (long Anon, long File)? RssParts() => Status() is { } s ? (s.Anon, s.File) : null;

    /// <summary>
    /// VmHWM, VmRSS, RssAnon and RssFile from one read of /proc/self/status, so they describe one instant: the kernel
    /// prints VmRSS as the sum of its anonymous, file and shmem parts and VmHWM as at least VmRSS. Separate reads
    /// compare different instants. Even within one process VmHWM is no monotonic counter: the kernel folds the RSS into
    /// its high-water mark only on some paths (unmapping, exit), and pages reclaimed elsewhere (page cache, lazily freed
    /// memory) lower the RSS first, so a later read can be lower than an earlier one. A peak over an interval is
    /// therefore the maximum of every read in it (<see cref="MemorySampler"/>).
    /// </summary>
    public static StatusMemory? Status()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            long? peak = null, rss = null, anon = null, file = null;
            foreach (var line in File.ReadAllLines("/proc/self/status"))
            {
                if (Field(line, "VmHWM:") is { } h) peak = h;
                else if (Field(line, "VmRSS:") is { } r) rss = r;
                else if (Field(line, "RssAnon:") is { } a) anon = a;
                else if (Field(line, "RssFile:") is { } f) file = f;
            }
            return peak is { } p && rss is { } v && anon is { } an && file is { } fi ? new StatusMemory(p, v, an, fi) : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

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

    /// <summary>glibc malloc (mallinfo2, 64-bit fields; the old mallinfo's int fields wrap past 2 GiB): bytes handed out
    /// (in use) and bytes the allocator holds from the kernel (heap + mmapped chunks), from one call, so in use ≤ held.
    /// Null off Linux, on another libc, or on glibc before 2.33 (no mallinfo2): no figure rather than a wrapped one.</summary>
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

    private static long? Field(string line, string key)
    {
        if (!line.StartsWith(key, StringComparison.Ordinal)) return null;
        var kb = line[key.Length..].Trim().Split(' ')[0];
        return long.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v * 1024 : null;
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

/// <summary>One read of /proc/self/status, in bytes: VmHWM, VmRSS, RssAnon, RssFile.</summary>
public readonly record struct StatusMemory(long Peak, long Rss, long Anon, long File);
