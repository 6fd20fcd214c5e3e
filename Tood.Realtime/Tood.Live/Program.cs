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
        // Ctrl+C, SIGTERM, SIGHUP, SIGQUIT: stop capturing, finish frames in flight, finalise outputs; a second one stops at once.
        using var signals = new StopSignals(Console.Error);
        int code = await LiveCli.RunAsync(args, CliConsole.System, signals.Stop, signals.StopNow);
        return signals.ExitCode(code);
    }
}
