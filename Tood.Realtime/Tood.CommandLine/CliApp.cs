using System.CommandLine;
using System.CommandLine.Help;

namespace Tood.CommandLine;

/// <summary>
/// Runs a tool's command tree: parse (response files <c>@args.rsp</c>, <c>--</c>, the <c>[suggest]</c> completion
/// directive and <c>--help</c>/<c>--version</c> come from System.CommandLine), a usage error as one line on stderr
/// with exit 2, then the command's action with the tool's own Ctrl+C token. Exceptions that
/// <see cref="IsInputError"/> accepts (missing file, unavailable device, ...) become one line and exit 1.
/// </summary>
public sealed class CliApp
{
    private readonly RootCommand _root;
    public string ToolName { get; }

    /// <summary>Errors in the user's input found while running (exit 1, message only); others keep their type name.</summary>
    public Func<Exception, bool> IsInputError { get; init; } = _ => false;

    /// <summary>Any other exception: one line with its type (exit 1) rather than a crash with a stack trace.</summary>
    public bool ReportUnexpected { get; init; }

    public CliApp(string toolName, RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        ToolName = toolName;
        _root = root;
        CliHelp.Install(root);
    }

    public RootCommand Root => _root;

    public async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        if (args.Count == 0)
        {
            console.Out.Write(CliHelp.Render(_root, ToolName, _root));
            return ExitCodes.Usage;
        }
        var parse = _root.Parse(args);
        var command = parse.CommandResult.Command;
        if (parse.Action is HelpAction)
        {
            console.Out.Write(CliHelp.Render(parse, ToolName));
            return ExitCodes.Ok;
        }
        if (parse.Action is not { ClearsParseErrors: true } && CliParsing.FirstError(parse) is { } error)
            return Usage(console, command, error);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // the tools handle Ctrl+C themselves (finish frames in flight, finalise outputs)
            }, cancellationToken);
        }
        catch (UsageException e) { return Usage(console, command, e.Message); }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return ExitCodes.Interrupted; }
        catch (Exception e) when (IsInputError(e))
        {
            console.Error.WriteLine($"{CommandPath(command)}: error: {e.Message}");
            return ExitCodes.Error;
        }
        catch (Exception e) when (ReportUnexpected)
        {
            console.Error.WriteLine($"{CommandPath(command)}: error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Error;
        }
    }

    /// <summary>"tood-live bench": the tool's name, then the subcommands down to <paramref name="command"/>.</summary>
    public string CommandPath(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var names = new List<string>();
        for (Command? c = command; c is not null && c != _root; c = c.Parents.OfType<Command>().FirstOrDefault()) names.Insert(0, c.Name);
        names.Insert(0, ToolName);
        return string.Join(' ', names);
    }

    private int Usage(CliConsole console, Command command, string message)
    {
        var path = CommandPath(command);
        console.Error.WriteLine($"{path}: error: {message} (see {path} --help)");
        return ExitCodes.Usage;
    }
}
