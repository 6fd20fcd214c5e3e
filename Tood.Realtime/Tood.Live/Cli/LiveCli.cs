using Tood.CommandLine;
using Tood.Live.Bench;
using Tood.Live.Val;
using Tood.Realtime.Inference;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;

namespace Tood.Live.Cli;

/// <summary>
/// The tood-live command tree: <see cref="LiveCommand"/> (the root) and its subcommands. A new subcommand is a
/// <see cref="ToolCommand"/> in its own file, added to <see cref="Create"/>.
/// </summary>
public static class LiveCli
{
    public const string ToolName = "tood-live";

    /// <param name="stopNow">the second stop signal: stop at once, still finalising the outputs (see <see cref="StopSignals"/>).</param>
    public static CliApp Create(CancellationToken stopNow = default) => Create(stopNow, faults: null);

    /// <param name="faults">test seam: a simulated GPU and lost-device faults for the root command (<see cref="DeviceFaultInjection"/>).</param>
    internal static CliApp Create(CancellationToken stopNow, DeviceFaultInjection? faults) => new(ToolName, new LiveCommand(stopNow, faults)
    {
        new BenchCommand(),
        new DevicesCommand(),
        new ValCommand(),
        new MotEvalCommand(),
    })
    {
        IsInputError = e => e is FileNotFoundException or VideoSourceException or ModelContractException or WindowUnavailableException
            or ExecutionProviderUnavailableException or FfmpegUnavailableException or IOException or UnauthorizedAccessException or InvalidDataException,
        ReportUnexpected = true,
    };

    /// <summary>Runs tood-live; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="cancellationToken">stop gracefully: finish the frames in flight (first Ctrl+C / stop signal).</param>
    /// <param name="stopNow">stop at once (second signal); the outputs are still finalised.</param>
    public static Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken, CancellationToken stopNow = default) =>
        Create(stopNow).RunAsync(args, console, cancellationToken);
}
