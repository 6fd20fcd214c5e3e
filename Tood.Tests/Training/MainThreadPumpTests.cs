using Tood.Train.Training;
using Xunit;

namespace Tood.Tests.Training;

/// <summary>The trainer's process plumbing: continuations stay on the calling thread (glibc main arena, see
/// MainThreadPump), results and exceptions come back as from an ordinary await, and the malloc tuning applies on glibc.</summary>
public class MainThreadPumpTests
{
    [Fact]
    public void Every_continuation_runs_on_the_calling_thread()
    {
        int caller = Environment.CurrentManagedThreadId;
        var before = SynchronizationContext.Current;
        var seen = new List<int>();
        int result = MainThreadPump.Run(async () =>
        {
            seen.Add(Environment.CurrentManagedThreadId);
            await Task.Delay(5);
            seen.Add(Environment.CurrentManagedThreadId);
            int background = await Task.Run(() => Environment.CurrentManagedThreadId); // real work elsewhere…
            seen.Add(Environment.CurrentManagedThreadId);                              // …continuation back here
            await Task.Yield();
            seen.Add(Environment.CurrentManagedThreadId);
            return background;
        });
        Assert.Equal([caller, caller, caller, caller], seen);
        Assert.NotEqual(caller, result);
        Assert.Same(before, SynchronizationContext.Current); // restored
    }

    [Fact]
    public void Exceptions_propagate_unwrapped()
    {
        var e = Assert.Throws<InvalidDataException>(() => MainThreadPump.Run<int>(async () =>
        {
            await Task.Delay(1);
            throw new InvalidDataException("bad annotations");
        }));
        Assert.Equal("bad annotations", e.Message);
    }

    [Fact]
    public void Malloc_thresholds_are_set_on_linux_glibc()
    {
        bool userTunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES")?.Contains("glibc.malloc.", StringComparison.Ordinal) == true;
        Assert.Equal(OperatingSystem.IsLinux() && !userTunables, NativeAllocator.Tune());
    }
}
