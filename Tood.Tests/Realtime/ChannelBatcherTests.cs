using System.Threading.Channels;
using Tood.Realtime.Pipeline;
using Xunit;

namespace Tood.Tests.Realtime;

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
}
