using System.Threading.Channels;

namespace Tood.Realtime.Pipeline;

/// <summary>Groups items from one channel, or from one channel per stream, into batches, preserving each stream's order.</summary>
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

    /// <summary>
    /// Live mode with one channel per stream (each holding only that stream's newest frames): waits until any stream
    /// has an item, then takes what is queued, stream by stream from <paramref name="first"/> on (the caller rotates it,
    /// so with more streams than <paramref name="max"/> every stream gets its turn), up to <paramref name="max"/>. Never
    /// waits for a full batch. Returns false when every channel is completed and empty. <paramref name="waits"/> (one
    /// entry per reader, kept by the caller across calls) holds each channel's pending wait, so a stream that stays
    /// silent while the others deliver does not collect a new waiter on every call.
    /// </summary>
    public static async ValueTask<bool> ReadNewestAsync<T>(IReadOnlyList<ChannelReader<T>> readers, int max, int first, List<T> into,
                                                           Task<bool>?[] waits, CancellationToken ct)
    {
        into.Clear();
        while (true)
        {
            for (int k = 0; k < readers.Count && into.Count < max; k++)
            {
                var reader = readers[(first + k) % readers.Count];
                while (into.Count < max && reader.TryRead(out var item)) into.Add(item);
            }
            if (into.Count > 0) return true;
            var open = new List<Task<bool>>(readers.Count);
            for (int k = 0; k < readers.Count; k++)
            {
                if (readers[k].Completion.IsCompleted) continue;
                if (waits[k] is not { IsCompleted: false }) waits[k] = readers[k].WaitToReadAsync(ct).AsTask();
                open.Add(waits[k]!);
            }
            if (open.Count == 0) return false;
            await Task.WhenAny(open);
            ct.ThrowIfCancellationRequested();
        }
    }
}
