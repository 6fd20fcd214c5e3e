using System.Threading.Channels;

namespace Tood.Realtime.Pipeline;

/// <summary>Groups items from a channel into batches, preserving order.</summary>
internal static class ChannelBatcher
{
    /// <summary>
    /// Waits for one item, then adds more up to <paramref name="max"/>. With <paramref name="fill"/> (file
    /// mode) it waits until the batch is full or the channel completes; without (live mode) it only takes
    /// what is already queued, so latency never waits for a full batch. Returns false when the channel is
    /// completed and empty.
    /// </summary>
    public static async ValueTask<bool> ReadBatchAsync<T>(ChannelReader<T> reader, int max, bool fill, List<T> into, CancellationToken ct)
    {
        into.Clear();
        while (into.Count < max)
        {
            while (into.Count < max && reader.TryRead(out var item)) into.Add(item);
            if (into.Count == max || (!fill && into.Count > 0)) break;
            if (!await reader.WaitToReadAsync(ct)) break;
        }
        return into.Count > 0;
    }
}
