using System.Diagnostics;
using System.Threading.Channels;
using Tood.Realtime.Inference;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>File mode: groups letterboxed frames into full batches (a short one only at the end) and copies them into
/// a model input slot, returning each frame's buffer to the pool.</summary>
internal sealed class BatchStage(RunContext context, int batch)
{
    public string Name => "batch";
    public StageClock Clock { get; } = new();

    public Task RunAsync(ChannelReader<FrameEnvelope> input, ChannelWriter<FrameBatch> output)
    {
        var items = new List<FrameEnvelope>(batch);
        return context.RunWorker(output, async ct =>
        {
            try
            {
                while (await ChannelBatcher.ReadBatchAsync(input, batch, fill: true, items, ct))
                {
                    InferenceSlot slot = await context.Engine.RentAsync(ct);
                    long t = Stopwatch.GetTimestamp();
                    for (int i = 0; i < items.Count; i++)
                    {
                        slot.CopyImage(i, items[i].Buffer!.Bytes);
                        items[i].ReleaseBuffer();
                    }
                    slot.Count = items.Count;
                    Clock.Add(t);
                    var fb = new FrameBatch(slot, [.. items]);
                    items.Clear();
                    try { await output.WriteAsync(fb, ct); }
                    catch { context.Release(fb); throw; }
                }
            }
            catch
            {
                foreach (var env in items) env.Dispose();
                throw;
            }
        });
    }
}
