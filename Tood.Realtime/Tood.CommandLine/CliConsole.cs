using System.CommandLine;

namespace Tood.CommandLine;

/// <summary>Where a command writes: its output, its messages, and whether the messages go to a terminal (progress bars).</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool InteractiveError)
{
    /// <summary>The process console.</summary>
    public static CliConsole System => new(Console.Out, Console.Error, !Console.IsErrorRedirected);

    /// <summary>The writers a parse result is invoked with; interactive only when that is the real, unredirected stderr.</summary>
    public static CliConsole From(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var config = parse.InvocationConfiguration;
        return new CliConsole(config.Output, config.Error, ReferenceEquals(config.Error, Console.Error) && !Console.IsErrorRedirected);
    }
}
