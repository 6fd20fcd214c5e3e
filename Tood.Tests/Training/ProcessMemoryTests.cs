using Tood.Train.Training;
using Xunit;

namespace Tood.Tests.Training;

/// <summary>The memory figures bench-train reports are read so that the relations between them hold in every read:
/// one read of /proc/self/status for the RSS and its parts, one mallinfo2 call for malloc's in-use and held bytes.</summary>
public class ProcessMemoryTests
{
    [Fact]
    public void One_status_read_has_its_parts_within_the_rss_and_the_rss_within_the_peak()
    {
        if (ProcessMemory.Status() is not { } s)
        {
            Assert.False(OperatingSystem.IsLinux(), "/proc/self/status unreadable on Linux");
            return; // nothing to read off Linux: no figure, no relation
        }
        Assert.True(s.Anon > 0 && s.File > 0, s.ToString());
        Assert.True(s.Anon + s.File <= s.Rss, s.ToString()); // VmRSS = RssAnon + RssFile + RssShmem
        Assert.True(s.Rss <= s.Peak, s.ToString());          // VmHWM is printed as at least VmRSS
    }

    [Fact]
    public void Malloc_in_use_never_exceeds_what_it_holds()
    {
        for (int i = 0; i < 100; i++)
        {
            if (ProcessMemory.Malloc() is not { } m) return; // not glibc ≥ 2.33: no figure rather than a wrong one
            Assert.True(m.InUse > 0 && m.InUse <= m.Held, $"in use {m.InUse} B, held {m.Held} B");
        }
    }
}
