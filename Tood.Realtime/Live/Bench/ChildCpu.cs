using System.Runtime.InteropServices;

namespace Tood.Live.Bench;

/// <summary>CPU time of finished child processes (getrusage RUSAGE_CHILDREN): the ffmpeg encoder works in a
/// process of its own, and a CPU bound that left it out would flatter the pipeline. Linux only (0 elsewhere).</summary>
internal static partial class ChildCpu
{
    private const int RusageChildren = -1;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        private readonly long _rest0, _rest1, _rest2, _rest3, _rest4, _rest5, _rest6, _rest7, _rest8, _rest9, _rest10, _rest11, _rest12, _rest13;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, out Rusage usage);

    public static double FinishedChildrenSeconds()
    {
        if (!OperatingSystem.IsLinux() || GetRusage(RusageChildren, out var u) != 0) return 0;
        return u.UserSeconds + u.UserMicroseconds / 1e6 + u.SystemSeconds + u.SystemMicroseconds / 1e6;
    }
}
