using Tood.CommandLine;
using Tood.Train.Cli;

namespace Tood.Train;

/// <summary><c>tood-train &lt;command&gt; [options]</c>: the commands are in Cli/ (<see cref="TrainCli"/>).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Before any tensor op; the command then runs on this (main) thread: see both classes.
        Training.NativeAllocator.Tune();
        return Training.MainThreadPump.Run(() => RunAsync(args));
    }

    /// <summary>The tool on the process console, Ctrl+C cancelling the command (tests call it directly).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            int code = await TrainCli.RunAsync(args, CliConsole.System, cts.Token);
            if (code == ExitCodes.Interrupted) Console.Error.WriteLine("tood-train: cancelled");
            return code;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }
}
