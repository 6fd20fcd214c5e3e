using System.CommandLine;
using System.CommandLine.Parsing;

namespace Tood.CommandLine;

/// <summary>
/// Turns a parse result's errors into the one line a user sees, most useful first: an option given twice, an
/// unknown option or stray argument, a missing required option, an option without its value, then the first
/// validation message (the option definitions word those: <see cref="CliOptions"/>).
/// </summary>
public static class CliParsing
{
    /// <summary>The one-line usage error of <paramref name="parse"/>, or null when it is valid.</summary>
    public static string? FirstError(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var options = OptionResults(parse.CommandResult).ToList();
        // Given twice: an error, never "last one wins" (System.CommandLine accepts a repeated flag silently).
        foreach (var o in options)
            if (o.IdentifierTokenCount > 1 && o.Option.Arity.MaximumNumberOfValues <= 1)
                return $"{o.Option.Name} given more than once";
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            var command = parse.CommandResult.Command;
            int doubleDash = IndexOf(parse.Tokens, t => t.Type == TokenType.DoubleDash);
            bool afterDoubleDash = doubleDash >= 0 && IndexOf(parse.Tokens, t => t.Value == token) > doubleDash;
            if (afterDoubleDash) return $"unexpected argument '{token}' after '--' (no arguments are taken)";
            if (token.StartsWith('-')) return $"unknown option {token}";
            if (command.Subcommands.Count > 0 && command.Arguments.Count == 0)
                return $"unknown command '{token}' (commands: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))})";
            return $"unexpected argument '{token}'";
        }
        foreach (var option in parse.CommandResult.Command.Options)
            if (option.Required && parse.GetResult(option) is not { IdentifierTokenCount: > 0 })
                return $"missing required option {option.Name}";
        foreach (var o in options)
            if (!o.Implicit && o.Tokens.Count == 0 && o.Option.Arity.MinimumNumberOfValues > 0)
                return $"{o.Option.Name} needs a value";
        return parse.Errors.Count > 0 ? parse.Errors[0].Message : null;
    }

    /// <summary>Parses <paramref name="args"/> with <paramref name="command"/> as the root; a usage error throws <see cref="UsageException"/>.</summary>
    public static ParseResult ParseOrThrow(Command command, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parse = command.Parse(args);
        return FirstError(parse) is { } error ? throw new UsageException(error) : parse;
    }

    private static int IndexOf(IReadOnlyList<Token> tokens, Func<Token, bool> match)
    {
        for (int i = 0; i < tokens.Count; i++) if (match(tokens[i])) return i;
        return -1;
    }

    private static IEnumerable<CommandResult> CommandChain(CommandResult result)
    {
        for (SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is CommandResult c) yield return c;
    }

    private static IEnumerable<OptionResult> OptionResults(CommandResult result) =>
        CommandChain(result).SelectMany(c => c.Children.OfType<OptionResult>());
}
