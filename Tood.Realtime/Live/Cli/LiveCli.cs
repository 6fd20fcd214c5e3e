using Tood.CommandLine;
using Tood.Live.Bench;
using Tood.Live.Val;
using Tood.Realtime.Inference;
using Tood.Realtime.Video;

namespace Tood.Live.Cli;

/// <summary>
/// The tood-live command tree: <see cref="LiveCommand"/> (the root) and its subcommands. A new subcommand is a
/// <see cref="ToolCommand"/> in its own file, added to <see cref="Create"/>.
/// </summary>
public static class LiveCli
{
    public const string ToolName = "tood-live";

    public static CliApp Create() => Create(faults: null);

    /// <param name="faults">test seam: a simulated GPU and lost-device faults for the root command (<see cref="DeviceFaultInjection"/>).</param>
    internal static CliApp Create(DeviceFaultInjection? faults) => new(ToolName, new LiveCommand(faults)
    {
        new BenchCommand(),
        new DevicesCommand(),
        new ValCommand(),
    })
    {
        IsInputError = e => e is FileNotFoundException or VideoSourceException or ModelContractException or WindowUnavailableException
            or ExecutionProviderUnavailableException or IOException or UnauthorizedAccessException or InvalidDataException,
        ReportUnexpected = true,
    };

    /// <summary>Runs tood-live; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken) =>
        Create().RunAsync(args, console, cancellationToken);
}
