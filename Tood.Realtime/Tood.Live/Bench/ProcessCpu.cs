using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Tood.Live.Bench;

/// <summary>CPU time of this process plus its finished children (getrusage RUSAGE_CHILDREN): the ffmpeg encoder works in
/// a process of its own, and a CPU bound that left it out would flatter the pipeline. Children count on Linux only.</summary>
internal static partial class ProcessCpu
{
    /// <summary>CPU seconds so far of this process and of its children that have exited (the encoder exits when its file is complete).</summary>
    public static double TotalSeconds()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds + FinishedChildrenSeconds();
    }

    private const int RusageChildren = -1;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        private readonly long _rest0, _rest1, _rest2, _rest3, _rest4, _rest5, _rest6, _rest7, _rest8, _rest9, _rest10, _rest11, _rest12, _rest13;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, out Rusage usage);

    private static double FinishedChildrenSeconds()
    {
        if (!OperatingSystem.IsLinux() || GetRusage(RusageChildren, out var u) != 0) return 0;
        return u.UserSeconds + u.UserMicroseconds / 1e6 + u.SystemSeconds + u.SystemMicroseconds / 1e6;
    }
}
