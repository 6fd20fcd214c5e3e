using Tood.Realtime.Cli;

namespace Tood.Realtime;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        // Ctrl+C: stop capturing, finish frames in flight, finalise outputs; a second Ctrl+C kills the process.
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            Console.Error.WriteLine("\ntood-live: stopping (Ctrl+C again to kill) ...");
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try { return await LiveCommand.RunAsync(args, Console.Out, Console.Error, !Console.IsErrorRedirected, cts.Token); }
        finally { Console.CancelKeyPress -= onCancel; }
    }
}
