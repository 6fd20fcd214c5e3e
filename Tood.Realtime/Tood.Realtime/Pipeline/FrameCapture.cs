using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Images;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// The pipeline's capture thread: reads the (blocking) source and writes frames to the first channel. File mode
/// waits when the channel is full (no frame lost); live mode never waits — the channel drops its oldest frame
/// (disposed and counted by the channel's callback). A source failure (<see cref="VideoSourceException"/>: a
/// file that stops decoding, a stream lost for good) ends capture like the end of the stream, so the frames
/// already captured are still processed and every output is finalised; the run then reports <see cref="SourceError"/>.
/// A frame that alone does not decode (<see cref="UnreadableFrameException"/>: a corrupt image in a folder) is
/// logged, counted in <see cref="Unreadable"/> and skipped; when no frame at all could be read, that is the error.
/// With several sources there is one capture per source (frames tagged with its <paramref name="stream"/> number); the
/// run completes the channel(s) when the captures end, since several may write to one channel.
/// </summary>
internal sealed class FrameCapture(IFrameSource source, int stream, int vidStride, bool live, StageClock clock, CancellationToken stop, ILogger logger)
{
    private long _captured, _unreadable;

    /// <summary>Frames read (not skipped) so far.</summary>
    public long Captured => Interlocked.Read(ref _captured);

    /// <summary>Frames skipped because they did not decode.</summary>
    public long Unreadable => Interlocked.Read(ref _unreadable);

    /// <summary>Why capture ended early, if the source failed.</summary>
    public VideoSourceException? SourceError { get; private set; }

    public IFrameSource Source => source;
    /// <summary>The source's 0-based position.</summary>
    public int Stream => stream;

    /// <summary>Starts the capture thread; the task ends with the stream (also when it failed: see <see cref="SourceError"/>).</summary>
    public Task Start(ChannelWriter<FrameEnvelope> writer, RunContext context) =>
        Task.Factory.StartNew(() => Run(writer, context), context.AbortToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(ChannelWriter<FrameEnvelope> writer, RunContext context)
    {
        var abort = context.AbortToken;
        try
        {
            double fps = source.FrameRate;
            long start = Stopwatch.GetTimestamp();
            for (long index = 0; !stop.IsCancellationRequested && !abort.IsCancellationRequested; index++)
            {
                long t = Stopwatch.GetTimestamp();
                var read = Read(index, out var frame);
                if (read == ReadResult.Skipped) continue;
                if (read == ReadResult.End) break;
                long now = Stopwatch.GetTimestamp();
                clock.Add(t);
                Interlocked.Increment(ref _captured);
                // A still (a named frame) has no time in a stream.
                string? name = source.FrameName;
                double time = name is not null ? 0 : live ? (now - start) / (double)Stopwatch.Frequency : index / fps;
                if (!Write(writer, new FrameEnvelope(index, time, now, frame!) { Name = name, Stream = stream }, abort)) return;
            }
        }
        catch (Exception)
        {
            context.Abort();
            throw;
        }
    }

    private enum ReadResult { Frame, Skipped, End }

    /// <summary>Reads frame <paramref name="index"/>, or skips it (--vid-stride, or it does not decode); End at the
    /// end of the stream or when the source failed (<see cref="SourceError"/>).</summary>
    private ReadResult Read(long index, out OpenCvSharp.Mat? frame)
    {
        frame = null;
        try
        {
            if (index % vidStride != 0) return source.Skip() ? ReadResult.Skipped : ReadResult.End;
            frame = source.Read();
        }
        catch (VideoSourceException e)
        {
            SourceError = e;
            return ReadResult.End;
        }
        catch (UnreadableFrameException e)
        {
            logger.LogWarning("{Error}", e.Message);
            Interlocked.Increment(ref _unreadable);
            return ReadResult.Skipped;
        }
        if (frame is not null) return ReadResult.Frame;
        if (Captured == 0 && Unreadable > 0)
            SourceError = new VideoSourceException($"{source.Description}: none of its {Unreadable} images could be read");
        return ReadResult.End;
    }

    /// <summary>Hands a frame to the first channel: live mode never waits (DropOldest: a stale queued frame is disposed
    /// and counted), file mode waits for room. False when the channel closed (the frame is disposed).</summary>
    private bool Write(ChannelWriter<FrameEnvelope> writer, FrameEnvelope env, CancellationToken abort)
    {
        if (live)
        {
            writer.TryWrite(env);
            return true;
        }
        try
        {
            while (!writer.TryWrite(env))
                if (!writer.WaitToWriteAsync(abort).AsTask().GetAwaiter().GetResult()) { env.Dispose(); return false; }
            return true;
        }
        catch { env.Dispose(); throw; }
    }
}
