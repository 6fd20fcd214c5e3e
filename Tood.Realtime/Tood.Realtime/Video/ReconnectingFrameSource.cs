using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace Tood.Realtime.Video;

/// <summary>
/// <c>--reconnect N</c>: a stream that fails (connection lost, no data for the stall timeout, an ffmpeg error) is
/// reopened after 0.5 s, then 1, 2, 4 ... s (up to <see cref="SourceOptions.MaxReconnectDelay"/>), at most N
/// attempts in a row; a frame received resets the count. Each loss and attempt is logged; <see cref="Reconnects"/>
/// counts the successful reopenings. When the attempts are used up, the last failure is thrown. A clean end of
/// the stream (the sender closed it) is the end: reopening would replay a finite stream such as a file over http.
/// </summary>
public sealed class ReconnectingFrameSource : IFrameSource
{
    private readonly Func<CancellationToken, IFrameSource> _open;
    private readonly SourceOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _interrupted = new();
    private IFrameSource? _inner; // null between a failed reopen and the next attempt
    private VideoSourceException? _reopenError;
    private readonly string _backend;
    private int _failuresInARow;

    public int Reconnects { get; private set; }

    /// <param name="open">opens the stream; throws <see cref="VideoSourceException"/> when it cannot, <see cref="OperationCanceledException"/> when interrupted.</param>
    public ReconnectingFrameSource(Func<CancellationToken, IFrameSource> open, SourceOptions options, ILoggerFactory? loggerFactory, CancellationToken cancellationToken = default)
    {
        _open = open; _options = options; _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ReconnectingFrameSource>();
        var first = open(cancellationToken);
        _inner = first;
        Description = first.Description; Width = first.Width; Height = first.Height; Fps = first.Fps; _backend = first.Backend;
    }

    public string Description { get; }
    public string Backend => $"{_backend}, reconnecting up to {_options.Reconnect}x";
    public bool IsLive => true;
    public int Width { get; }
    public int Height { get; }
    public double Fps { get; }
    public long? FrameCount => null;

    public Mat? Read()
    {
        while (true)
        {
            VideoSourceException error;
            try
            {
                if (_inner is null) return null; // gave up earlier
                var frame = _inner.Read();
                if (frame is not null) _failuresInARow = 0;
                return frame; // null: the stream ended cleanly
            }
            catch (VideoSourceException e) { error = e; }
            if (_interrupted.IsCancellationRequested) return null;
            if (!Reopen($"failed ({error.Message})"))
            {
                if (_interrupted.IsCancellationRequested) return null;
                throw new VideoSourceException($"{(_reopenError ?? error).Message}; gave up after {_options.Reconnect} reconnect attempt(s) in a row");
            }
        }
    }

    public bool Skip()
    {
        var m = Read();
        m?.Dispose();
        return m is not null;
    }

    /// <summary>Backs off and reopens until a stream opens, the attempts run out (false) or the pipeline stops (false).</summary>
    private bool Reopen(string lost)
    {
        while (_failuresInARow < _options.Reconnect)
        {
            _failuresInARow++;
            var delay = TimeSpan.FromTicks(Math.Min(_options.MaxReconnectDelay.Ticks, _options.ReconnectDelay.Ticks << Math.Min(_failuresInARow - 1, 30)));
            _logger.LogWarning("stream {Source} {Problem}; reconnecting in {DelaySeconds:0.0#} s (attempt {Attempt} of {Attempts})",
                Description, lost, delay.TotalSeconds, _failuresInARow, _options.Reconnect);
            if (_interrupted.Token.WaitHandle.WaitOne(delay)) return false;
            _inner?.Dispose();
            _inner = null;
            try
            {
                var next = _open(_interrupted.Token);
                if (next.Width != Width || next.Height != Height)
                {
                    next.Dispose();
                    throw new VideoSourceException($"stream {Description} came back at {next.Width}x{next.Height}, not {Width}x{Height}");
                }
                _inner = next;
                _reopenError = null;
                Reconnects++;
                _logger.LogInformation("stream {Source} reconnected ({Reconnects} reconnect(s) so far)", Description, Reconnects);
                return true;
            }
            catch (OperationCanceledException) { return false; }
            catch (VideoSourceException e)
            {
                _reopenError = e;
                lost = $"could not be reopened ({e.Message})";
            }
        }
        return false;
    }

    public void Interrupt()
    {
        _interrupted.Cancel();
        _inner?.Interrupt();
    }

    public void Dispose()
    {
        _inner?.Dispose();
        _interrupted.Dispose();
    }
}
