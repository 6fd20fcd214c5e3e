using System.Diagnostics;
using System.Threading.Channels;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>
/// Starts model runs: up to the engine's <see cref="Inference.InferenceEngine.ConcurrentRuns"/> at once, each on a
/// dedicated runner thread (<see cref="RunnerThreads"/>: ONNX Runtime blocks its thread for the whole run). Runs complete
/// out of order; their tasks are queued for decoding in submission order, which keeps every stream's frame order.
/// </summary>
internal sealed class ModelRunner : IDisposable
{
    private readonly RunContext _context;
    private readonly SemaphoreSlim _slots;
    private readonly RunnerThreads _threads;

    public ModelRunner(RunContext context)
    {
        _context = context;
        int runs = context.Engine.ConcurrentRuns;
        _slots = new SemaphoreSlim(runs, runs);
        _threads = new RunnerThreads(runs, "tood-infer");
    }

    public string Name => "infer";
    public StageClock Clock { get; } = new();

    /// <summary>Waits for a free run slot; the caller then <see cref="DispatchAsync"/>es a batch or <see cref="ReleaseSlot"/>s it.</summary>
    public Task WaitForSlotAsync(CancellationToken ct) => _slots.WaitAsync(ct);

    public void ReleaseSlot() => _slots.Release();

    /// <summary>Starts a run of <paramref name="batch"/> (a run slot is held; the run releases it) and queues it, in order.</summary>
    public async ValueTask DispatchAsync(FrameBatch batch, ChannelWriter<Task<FrameBatch>> output, CancellationToken ct)
    {
        var run = _threads.Run(() =>
        {
            try
            {
                long t = Stopwatch.GetTimestamp();
                _context.Engine.Run(batch.Slot);
                Clock.Add(t);
                _context.CountRun(batch.Slot.Count);
                return batch;
            }
            catch { batch.Release(_context.Engine); throw; }   // a faulted run has released its batch
            finally { _slots.Release(); }
        });
        try { await output.WriteAsync(run, ct); }
        catch
        {
            // Not handed on: release the batch once its run has finished with the slot.
            _ = run.ContinueWith(r => batch.Release(_context.Engine), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Finishes the runs in flight, then stops the threads.</summary>
    public void Dispose()
    {
        _threads.Dispose();
        _slots.Dispose();
    }
}
