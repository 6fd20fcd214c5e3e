using System.Threading.Channels;
using Tood.Realtime.Pipeline;
using Xunit;

namespace Tood.Tests.Realtime.Pipeline;

public class ChannelBatcherTests
{
    [Fact]
    public async Task File_mode_fills_batches_in_order_and_flushes_the_remainder()
    {
        var ch = Channel.CreateUnbounded<int>();
        _ = Task.Run(async () =>
        {
            for (int i = 0; i < 10; i++) { await ch.Writer.WriteAsync(i); await Task.Delay(1); }
            ch.Writer.Complete();
        });
        var batches = new List<int[]>();
        var buf = new List<int>();
        while (await ChannelBatcher.ReadBatchAsync(ch.Reader, 4, fill: true, buf, CancellationToken.None)) batches.Add([.. buf]);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], batches);
    }

    [Fact]
    public async Task Live_mode_takes_only_what_is_queued()
    {
        var ch = Channel.CreateUnbounded<int>();
        ch.Writer.TryWrite(1);
        ch.Writer.TryWrite(2);
        var buf = new List<int>();
        var read = ChannelBatcher.ReadBatchAsync(ch.Reader, 4, fill: false, buf, CancellationToken.None).AsTask();
        Assert.True(await read.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal([1, 2], buf); // did not wait for a full batch of 4
        ch.Writer.Complete();
        Assert.False(await ChannelBatcher.ReadBatchAsync(ch.Reader, 4, fill: false, buf, CancellationToken.None));
    }

    [Fact]
    public async Task Several_streams_a_live_batch_takes_each_streams_queue_starting_from_the_given_stream_and_waits_for_any()
    {
        var a = Channel.CreateUnbounded<int>();
        var b = Channel.CreateUnbounded<int>();
        var c = Channel.CreateUnbounded<int>();
        ChannelReader<int>[] readers = [a.Reader, b.Reader, c.Reader];
        a.Writer.TryWrite(10); b.Writer.TryWrite(20); c.Writer.TryWrite(30); c.Writer.TryWrite(31);
        var buf = new List<int>();
        var waits = new Task<bool>?[3];
        Assert.True(await ChannelBatcher.ReadNewestAsync(readers, 2, 2, buf, waits, CancellationToken.None));
        Assert.Equal([30, 31], buf);          // from stream 2 on, up to the batch size
        Assert.True(await ChannelBatcher.ReadNewestAsync(readers, 2, 0, buf, waits, CancellationToken.None));
        Assert.Equal([10, 20], buf);

        // Nothing queued: waits for whichever stream writes next — one pending wait on each stream, none of them done
        // (the waits are set up before the call returns its pending task, so no sleep is needed to observe them).
        var pending = ChannelBatcher.ReadNewestAsync(readers, 2, 0, buf, waits, CancellationToken.None).AsTask();
        Assert.False(pending.IsCompleted);
        Assert.All(waits, w => Assert.True(w is { IsCompleted: false }, "a stream without its pending wait"));
        var waitOnA = waits[0];
        c.Writer.TryWrite(32);
        Assert.True(await pending);
        Assert.Equal([32], buf);
        // Again with stream 0 silent: its pending wait is reused, not renewed on every call (no waiter pile-up).
        pending = ChannelBatcher.ReadNewestAsync(readers, 2, 0, buf, waits, CancellationToken.None).AsTask();
        c.Writer.TryWrite(33);
        Assert.True(await pending);
        Assert.Equal([33], buf);
        Assert.NotNull(waitOnA);
        Assert.Same(waitOnA, waits[0]);
        Assert.False(waitOnA.IsCompleted);

        // A completed stream is skipped; false only when every stream is completed and empty.
        a.Writer.Complete(); c.Writer.Complete();
        b.Writer.TryWrite(21);
        Assert.True(await ChannelBatcher.ReadNewestAsync(readers, 2, 0, buf, waits, CancellationToken.None));
        Assert.Equal([21], buf);
        b.Writer.Complete();
        Assert.False(await ChannelBatcher.ReadNewestAsync(readers, 2, 0, buf, waits, CancellationToken.None));
    }
}
