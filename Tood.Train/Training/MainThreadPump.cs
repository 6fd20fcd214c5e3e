using System.Collections.Concurrent;

namespace Tood.Train.Training;

/// <summary>
/// Runs an async command with every continuation on the calling (process main) thread — Stephen
/// Toub's AsyncPump pattern: a <see cref="SynchronizationContext"/> whose posts go to a queue the
/// caller drains. Background work (<c>Task.Run</c> in the data loader) still runs on the pool.
/// <para>Why: on glibc only the main thread allocates from the main (sbrk) arena. Any other thread
/// gets a secondary arena made of 64 MB heaps, and glibc unmaps a heap as soon as it is empty, so a
/// training loop on a pool thread maps, faults in and unmaps its multi-MB activations every step (seen:
/// 164 munmaps of 64 MB heaps and 0.5 M page faults in 13 tiny steps). On the main thread, with
/// <see cref="NativeAllocator"/>'s thresholds, the memory is reused instead. glibc fixes a thread's
/// arena at its first allocation, so this cannot be configured after start-up any other way.</para>
/// </summary>
public static class MainThreadPump
{
    public static T Run<T>(Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var previous = SynchronizationContext.Current;
        using var context = new PumpContext();
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            var task = body();
            task.ContinueWith(_ => context.Complete(), TaskScheduler.Default);
            context.Drain();
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private sealed class PumpContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

        public override void Post(SendOrPostCallback d, object? state)
        {
            try { _queue.Add((d, state)); }
            // Posted after the body finished (e.g. a late timer continuation): nothing waits for it.
            catch (InvalidOperationException) { }
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("synchronous Send to the main-thread pump");

        public void Complete() => _queue.CompleteAdding();

        public void Drain()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable()) callback(state);
        }

        public void Dispose() => _queue.Dispose();
    }
}
