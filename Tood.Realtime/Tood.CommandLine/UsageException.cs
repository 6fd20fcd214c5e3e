namespace Tood.CommandLine;

/// <summary>
/// A usage error found after parsing (a value that only makes sense with the others, e.g. a class name the model
/// does not have): printed as one line, exit code <see cref="ExitCodes.Usage"/>. Errors the option definitions can
/// catch belong in their validators instead (<see cref="CliOptions"/>).
/// </summary>
public sealed class UsageException(string message) : Exception(message);
