using System.Collections.Concurrent;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// A few dedicated threads for blocking work (model runs). ONNX Runtime's Run blocks its thread for the whole
/// inference; done on thread-pool threads, N concurrent runs would hold N of the pool's few threads (2 on a
/// 2-core machine) and starve the pipeline's async stages until the pool injects more.
/// </summary>
internal sealed class RunnerThreads : IDisposable
{
    private readonly BlockingCollection<Action> _queue = [];
    private readonly Thread[] _threads;

    public RunnerThreads(int count, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"{name} {i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Queues <paramref name="work"/>; the task completes (continuations off the runner thread) with its result or exception.</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() =>
        {
            try { done.SetResult(work()); }
            catch (Exception e) { done.SetException(e); }
        });
        return done.Task;
    }

    private void Loop()
    {
        foreach (var work in _queue.GetConsumingEnumerable()) work();
    }

    /// <summary>Finishes the queued work, then stops the threads.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var t in _threads) t.Join();
        _queue.Dispose();
    }
}
