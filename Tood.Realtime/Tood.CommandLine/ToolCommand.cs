using System.CommandLine;

namespace Tood.CommandLine;

/// <summary>
/// A subcommand of tood-live or tood-train: its options are declared in the constructor (with <see cref="CliOptions"/>,
/// so help, validation and completion come from the definitions), and <see cref="ExecuteAsync"/> runs it on a
/// parse result that has passed validation. Register it in the tool's command list (LiveCli / TrainCli).
/// </summary>
public abstract class ToolCommand : Command
{
    protected ToolCommand(string name, string description) : base(name, description) =>
        SetAction((parse, ct) => ExecuteAsync(parse, CliConsole.From(parse), ct));

    /// <summary>Runs the command; returns the exit code. Throw <see cref="UsageException"/> for a usage error found only now.</summary>
    protected abstract Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken);

    /// <summary>
    /// Runs this command alone on the arguments that follow its name, on the process console (tests, embedding):
    /// a usage error throws <see cref="UsageException"/>, any other exception propagates.
    /// </summary>
    public Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var parse = CliParsing.ParseOrThrow(this, args);
        return ExecuteAsync(parse, CliConsole.System, cancellationToken);
    }
}
