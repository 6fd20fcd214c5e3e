using System.Runtime.InteropServices;
using Tood.CommandLine;

namespace Tood.Live.Cli;

/// <summary>
/// Turns every way a run is told to stop into the same orderly stop. SIGINT (Ctrl+C), SIGTERM (kill, docker stop,
/// systemd), SIGHUP (terminal closed; on Windows the console window closed) and SIGQUIT (Ctrl+\) all behave as
/// Ctrl+C always did: the first one stops capture, finishes the frames in flight and finalises every output
/// (<see cref="Stop"/>); a second one drops the frames in flight and finalises at once (<see cref="StopNow"/>) —
/// the outputs still play. A third is not intercepted, so the default action (termination) applies.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private static readonly PosixSignal[] Handled = [PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT];
    private readonly CancellationTokenSource _stop = new(), _stopNow = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly TextWriter _messages;
    private readonly string _tool;
    private int _received;

    public StopSignals(TextWriter messages, string tool = "tood-live")
    {
        _messages = messages; _tool = tool;
        foreach (var s in Handled) _registrations.Add(PosixSignalRegistration.Create(s, OnSignal));
    }

    /// <summary>Cancelled by the first signal: stop gracefully.</summary>
    public CancellationToken Stop => _stop.Token;
    /// <summary>Cancelled by the second signal: stop now.</summary>
    public CancellationToken StopNow => _stopNow.Token;
    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? First { get; private set; }

    /// <summary>128 + the signal number (the shell convention; 130 for Ctrl+C) when a signal stopped the run,
    /// else <paramref name="exitCode"/>.</summary>
    public int ExitCode(int exitCode) => First is { } s && exitCode == ExitCodes.Interrupted ? 128 + Number(s) : exitCode;

    /// <summary>POSIX numbers (.NET's <see cref="PosixSignal"/> values are its own, negative).</summary>
    public static int Number(PosixSignal s) => s switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        PosixSignal.SIGTERM => 15,
        _ => (int)s,
    };

    private void OnSignal(PosixSignalContext context)
    {
        int n = Interlocked.Increment(ref _received);
        if (n > 2) return; // not cancelled: the runtime applies the signal's default action
        context.Cancel = true;
        if (n == 1)
        {
            First = context.Signal;
            _messages.WriteLine($"\n{_tool}: {context.Signal} received: stopping, finishing the frames in flight (signal again to stop at once) ...");
            _stop.Cancel();
        }
        else
        {
            _messages.WriteLine($"\n{_tool}: {context.Signal} received again: stopping now, finalising the outputs with the frames written so far ...");
            _stopNow.Cancel();
        }
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _stop.Dispose();
        _stopNow.Dispose();
    }
}
