using OpenCvSharp;
using Tood.CommandLine;
using Tood.Live.Cli;

namespace Tood.Live;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // The pipeline runs its stages on different frames at once; OpenCV's own worker threads (resize,
        // colour conversion) would only compete with them for the cores. Sample model, 2 cores, 3 runs each:
        // 135–137 FPS single-threaded OpenCV against 122–134 with OpenCV's default (one-off A/B, BENCHMARKS.md §1).
        Cv2.SetNumThreads(1);
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
        try { return await LiveCli.RunAsync(args, CliConsole.System, cts.Token); }
        finally { Console.CancelKeyPress -= onCancel; }
    }
}
