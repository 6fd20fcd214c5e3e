using System.Runtime.InteropServices;

namespace Tood.Train.Training;

/// <summary>
/// Keeps libtorch's CPU tensors out of mmap/munmap churn on glibc. A training step allocates and frees
/// the same multi-MB activation and gradient buffers every iteration; with glibc's defaults, a freed
/// block at the top of the heap beyond the (dynamic) trim threshold goes back to the kernel, and the
/// next step page-faults it in again (zeroed pages — expensive in a VM). Together with running the command on
/// the main thread (<see cref="MainThreadPump"/>, which keeps the buffers in glibc's main arena), measured with
/// <c>tood-train bench-train --preset tiny --imgsz 256 --batch 16</c>: 634–664 ms/step and ~0.55 M page faults
/// with the defaults, 370–380 ms/step and ~0.17 M faults with both (BENCHMARKS.md §2). The cost is that the
/// process keeps its peak heap instead of returning it between steps — which a trainer reaches every step anyway.
/// One arena (M_ARENA_MAX 1): the data loader's threads would otherwise build each batch tensor in a 64 MB
/// secondary arena of their own, memory the training step cannot reuse (r18, 320 px, batch 8, <c>bench-train</c>:
/// peak RSS 866 MiB with one arena, 884 MiB without, 933 MiB with glibc's defaults; BENCHMARKS.md §10).
/// Must run before the first tensor op (mallopt disables glibc's dynamic thresholds from then on).
/// </summary>
public static partial class NativeAllocator
{
    private const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3, M_ARENA_MAX = -8;

    /// <summary>glibc's largest allowed mmap threshold on 64-bit (HEAP_MAX_SIZE / 2).</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;
    public const int TrimThreshold = 1024 * 1024 * 1024;

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int MallOpt(int param, int value);

    /// <summary>True when the thresholds were set (Linux with glibc); false elsewhere or when a
    /// <c>GLIBC_TUNABLES</c> malloc setting of the user's is present (it wins).</summary>
    public static bool Tune()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is { } t && t.Contains("glibc.malloc.", StringComparison.Ordinal)) return false;
        try
        {
            return MallOpt(M_MMAP_THRESHOLD, MmapThreshold) == 1 & MallOpt(M_TRIM_THRESHOLD, TrimThreshold) == 1
                & MallOpt(M_ARENA_MAX, 1) == 1;
        }
        catch (DllNotFoundException) { return false; }      // musl or another libc
        catch (EntryPointNotFoundException) { return false; }
    }
}
