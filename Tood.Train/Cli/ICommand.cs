namespace Tood.Train.Cli;

/// <summary>
/// A <c>tood-train</c> subcommand. <see cref="Program"/> discovers every non-abstract implementation
/// with a public parameterless constructor, so a new command is just a new file in Cli/.
/// Throw <see cref="Tood.CommandLine.UsageException"/> for bad arguments (one line, exit 2).
/// </summary>
public interface ICommand
{
    /// <summary>Subcommand name, e.g. "info".</summary>
    string Name { get; }

    /// <summary>One-line usage shown by <c>tood-train help</c>.</summary>
    string Usage { get; }

    /// <summary>Runs with the arguments after the subcommand name; returns the exit code.</summary>
    Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken);
}
