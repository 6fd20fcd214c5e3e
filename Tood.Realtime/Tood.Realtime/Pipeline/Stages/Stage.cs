using System.Threading.Channels;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>
/// One stage of a run: a single worker that reads its input channel in order (so frame order is kept), hands its
/// results to the output channel, completes it when the input ends, and on failure releases the item it holds and
/// aborts the run (<see cref="RunContext.RunWorker"/>). <see cref="Clock"/> adds the time spent working, not waiting.
/// </summary>
internal abstract class Stage<TIn, TOut>(string name, RunContext context) where TIn : class
{
    public string Name { get; } = name;
    public StageClock Clock { get; } = new();
    protected RunContext Context { get; } = context;

    public Task RunAsync(ChannelReader<TIn> input, ChannelWriter<TOut> output) => Context.RunWorker(output, async ct =>
    {
        await foreach (var item in input.ReadAllAsync(ct))
        {
            try { await ProcessAsync(item, output, ct); }
            catch { Context.Release(item); throw; }
        }
    });

    protected abstract ValueTask ProcessAsync(TIn item, ChannelWriter<TOut> output, CancellationToken ct);
}
