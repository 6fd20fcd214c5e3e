using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>
/// Capture: one <see cref="FrameCapture"/> thread per stream. Live mode gives each stream its own channel, holding only
/// its newest frames (an older one is disposed and counted when replaced) and completed as soon as that stream ends;
/// file mode has one channel that every capture writes to, waiting when it is full, completed when the last one ends.
/// A stream that fails for good is reported at once in one line naming it; the others go on.
/// </summary>
internal sealed class CaptureStage
{
    private readonly RunContext _context;
    private readonly ILogger _logger;

    public CaptureStage(RunContext context, int vidStride)
    {
        _context = context;
        _logger = context.LoggerFactory.CreateLogger<CaptureStage>();
        var captureLogger = context.LoggerFactory.CreateLogger<FrameCapture>();
        Captures = [.. context.Streams.Select(st => new FrameCapture(st.Source, st.Index, vidStride, context.Live, Clock, context.StopToken, captureLogger))];
    }

    public string Name => "capture";
    public StageClock Clock { get; } = new();
    public IReadOnlyList<FrameCapture> Captures { get; }
    public long Captured => Captures.Sum(c => c.Captured);

    /// <summary>Live mode's channels, one per stream: the newest <paramref name="share"/> frames of each.</summary>
    public Channel<FrameEnvelope>[] LiveChannels(int share) => [.. _context.Streams.Select(_ =>
        Channel.CreateBounded<FrameEnvelope>(new BoundedChannelOptions(share) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            dropped => { dropped.Dispose(); _context.CountDropped(dropped); }))];

    /// <summary>Runs every capture into <paramref name="writers"/>: one per stream, or one shared by all.</summary>
    public Task RunAsync(IReadOnlyList<ChannelWriter<FrameEnvelope>> writers)
    {
        bool perStream = writers.Count > 1 || _context.Live;
        var all = Captures.Select((c, k) => Watch(c, perStream ? writers[k] : null, writers[0])).ToArray();
        return perStream ? Task.WhenAll(all) : CompleteAfter(all, writers[0]);
    }

    private async Task Watch(FrameCapture c, ChannelWriter<FrameEnvelope>? own, ChannelWriter<FrameEnvelope> shared)
    {
        try { await c.Start(own ?? shared, _context); }
        catch (Exception e) { own?.TryComplete(e); throw; }
        own?.TryComplete();
        if (c.SourceError is not null && Captures.Count > 1)
            _logger.LogError("stream {Stream} ({Source}): {Error}; the other streams go on", c.Stream + 1, c.Source.Description, c.SourceError.Message);
    }

    private static async Task CompleteAfter(Task[] all, ChannelWriter<FrameEnvelope> shared)
    {
        try { await Task.WhenAll(all); }
        catch (Exception e) { shared.TryComplete(e); throw; }
        shared.TryComplete();
    }

    /// <summary>One line naming a failed stream.</summary>
    public static string Failure(FrameCapture c) => $"stream {c.Stream + 1} ({c.Source.Description}): {c.SourceError!.Message}";
}
