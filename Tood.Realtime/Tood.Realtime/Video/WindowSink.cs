using OpenCvSharp;
using Tood.Realtime.Rendering;
using Tood.Realtime.Sinks;

namespace Tood.Realtime.Video;

/// <summary>
/// Shows frames in a HighGUI window. All window calls (NamedWindow/ImShow/WaitKey/DestroyWindow) run on one
/// dedicated UI thread, as GUI toolkits require; the pipeline only copies the newest frame into a
/// reused Mat (the window shows the latest frame, never blocks the pipeline). 'q' or Esc requests stop.
/// A frame's status line (<see cref="ProcessedFrame.Status"/>) is drawn on that copy, so the window always shows it.
/// </summary>
public sealed class WindowSink : IFrameSink
{
    private readonly string _title;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private readonly Mat _pending = new();
    private readonly Action? _onQuit;
    private readonly OverlayRenderer _statusRenderer;
    private bool _hasPending, _stop;
    private Exception? _error;
    private readonly ManualResetEventSlim _started = new();
    public long FramesShown { get; private set; }

    public WindowSink(string title, Action? onQuit, OverlayRenderer? statusRenderer = null)
    {
        _title = title; _onQuit = onQuit;
        _statusRenderer = statusRenderer ?? new OverlayRenderer();
        _thread = new Thread(UiLoop) { IsBackground = true, Name = "tood-window" };
        _thread.Start();
        _started.Wait();
        if (_error is not null) throw new WindowUnavailableException($"--show: cannot open a window ({_error.Message.Trim()}); is a display available (DISPLAY)? Use --no-show or run under xvfb-run", _error);
    }

    private void UiLoop()
    {
        using var shown = new Mat();
        try
        {
            Cv2.NamedWindow(_title, WindowFlags.AutoSize);
        }
        catch (Exception e) { _error = e; _started.Set(); return; }
        _started.Set();
        try
        {
            while (true)
            {
                bool have;
                lock (_gate)
                {
                    while (!_hasPending && !_stop) Monitor.Wait(_gate, 15);
                    have = _hasPending;
                    if (have) { _pending.CopyTo(shown); _hasPending = false; }
                    if (_stop && !have) break;
                }
                if (have) { Cv2.ImShow(_title, shown); FramesShown++; }
                int key = Cv2.WaitKey(1);
                if (key is 'q' or 27) _onQuit?.Invoke();
            }
        }
        catch (Exception e) { _error = e; }
        finally
        {
            try { Cv2.DestroyWindow(_title); Cv2.WaitKey(1); } catch (OpenCVException) { }
        }
    }

    public void Write(in ProcessedFrame frame)
    {
        if (_error is { } e) throw new InvalidOperationException($"--show: window failed: {e.Message}", e);
        lock (_gate)
        {
            Compose(frame, _pending, _statusRenderer);
            _hasPending = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>What the window shows for <paramref name="frame"/>: a copy of its image with its status line.</summary>
    internal static void Compose(in ProcessedFrame frame, Mat shown, OverlayRenderer statusRenderer)
    {
        frame.Image.CopyTo(shown);
        if (frame.Status is { } status) statusRenderer.DrawStatus(shown, status);
    }

    /// <summary>Waits until the last written frame has been shown, then closes the window.</summary>
    public void Complete()
    {
        lock (_gate) { _stop = true; Monitor.Pulse(_gate); }
        _thread.Join();
    }

    public void Abort() => Complete();

    public void Dispose()
    {
        Complete();
        _pending.Dispose();
        _started.Dispose();
    }
}
