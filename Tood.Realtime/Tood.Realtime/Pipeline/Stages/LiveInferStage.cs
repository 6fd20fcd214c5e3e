using System.Diagnostics;
using System.Threading.Channels;
using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Realtime.Preprocess;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>
/// Live mode's front: wait for a free run slot, then take the newest captured frame(s) of each stream, letterbox them
/// straight into the model input and start the run. Frames captured meanwhile replace each other in the capture
/// channels, so a run never starts on a stale frame. With more streams than the batch, the stream served first
/// rotates so that each gets its turn.
/// </summary>
internal sealed class LiveInferStage(RunContext context, ModelRunner runner, int batch)
{
    private readonly List<FrameEnvelope> _items = new(batch);
    private readonly List<Mat> _frames = new(batch);
    private readonly Letterbox[] _geometry = new Letterbox[batch];
    private int _first;

    public string Name => "letterbox";
    /// <summary>Letterboxing into the model input (the preprocess time).</summary>
    public StageClock Clock { get; } = new();

    public Task RunAsync(ChannelReader<FrameEnvelope>[] captured, ChannelWriter<Task<FrameBatch>> output)
    {
        var waits = new Task<bool>?[captured.Length];
        return context.RunWorker(output, async ct =>
        {
            try
            {
                while (await RunNextAsync(captured, waits, output, ct)) { }
            }
            finally
            {
                foreach (var env in _items) env.Dispose();
                _items.Clear();
            }
        });
    }

    /// <summary>One model run on the newest frames; false when every capture channel has ended.</summary>
    private async Task<bool> RunNextAsync(ChannelReader<FrameEnvelope>[] captured, Task<bool>?[] waits, ChannelWriter<Task<FrameBatch>> output, CancellationToken ct)
    {
        await runner.WaitForSlotAsync(ct);
        bool dispatched = false;
        InferenceSlot? slot = null;
        try
        {
            slot = await context.Engine.RentAsync(ct);
            if (!await ChannelBatcher.ReadNewestAsync(captured, batch, _first, _items, waits, ct)) return false;
            _first = (_first + 1) % captured.Length;
            long t = Stopwatch.GetTimestamp();
            _frames.Clear();
            foreach (var env in _items) _frames.Add(env.Frame);
            slot.Load(_frames, 0, _frames.Count, _geometry);
            for (int i = 0; i < _items.Count; i++) _items[i].Letterbox = _geometry[i];
            Clock.Add(t);
            var fb = new FrameBatch(slot, [.. _items]);
            _items.Clear();
            slot = null;
            dispatched = true; // the run releases the run slot when it ends
            await runner.DispatchAsync(fb, output, ct);
            return true;
        }
        finally
        {
            if (slot is not null) context.Engine.Return(slot);
            if (!dispatched) runner.ReleaseSlot();
        }
    }
}
