using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Tood.CommandLine;

/// <summary>
/// Option factories for both tools. Every value option takes exactly one value, given once, that is not another
/// option (<c>--output --show</c> is an error, not a file named "--show"); the value is parsed and range-checked
/// by the definition itself, so help, validation (one line, exit 2) and completion all come from it. Messages
/// read "--batch must be ≥ 1, got 0".
/// </summary>
public static class CliOptions
{
    /// <summary>A switch: present or not, takes no value.</summary>
    public static Option<bool> Flag(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A value parsed by <paramref name="parse"/>, which throws <see cref="FormatException"/> with the message for a
    /// bad one; default(T) when not given and there is no <paramref name="defaultValue"/>.</summary>
    public static Option<T> Value<T>(string name, string helpName, string description, Func<string, T> parse, Func<T>? defaultValue = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = helpName,
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = r => ParseToken(r, name, parse),
        };
        // Without a default an absent option reads as default(T) (null), never System.CommandLine's empty collection.
        option.DefaultValueFactory = defaultValue is null ? _ => default! : _ => defaultValue();
        return option;
    }

    /// <summary>A string (file, URL, name); null when not given.</summary>
    public static Option<string?> Text(string name, string helpName, string description) =>
        Value<string?>(name, helpName, description, s => s);

    /// <summary>A required string.</summary>
    public static Option<string> RequiredText(string name, string helpName, string description)
    {
        var option = Value(name, helpName, description, s => s);
        option.Required = true;
        return option;
    }

    /// <summary>An integer ≥ <paramref name="min"/>.</summary>
    public static Option<int> Int(string name, string helpName, string description, int defaultValue, int min = int.MinValue) =>
        Value(name, helpName, description, s => ParseInt(name, s, min), () => defaultValue);

    /// <summary>An integer ≥ <paramref name="min"/>; null when not given (the caller picks the default).</summary>
    public static Option<int?> OptionalInt(string name, string helpName, string description, int min = int.MinValue) =>
        Value<int?>(name, helpName, description, s => ParseInt(name, s, min));

    /// <summary>A number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<double> Number(string name, string helpName, string description, double defaultValue,
        double min = double.NegativeInfinity, double max = double.PositiveInfinity) =>
        Value(name, helpName, description, s => ParseNumber(name, s, min, max), () => defaultValue);

    /// <summary>One of <paramref name="values"/>, any case (offered by shell completion too); required when there is no default.</summary>
    public static Option<string> Choice(string name, string description, string? defaultValue, params string[] values)
    {
        var option = Value(name, string.Join('|', values), description,
            s => values.FirstOrDefault(v => string.Equals(v, s, StringComparison.OrdinalIgnoreCase))
                 ?? throw new FormatException($"{name} must be {string.Join('|', values)}, got '{s}'"),
            defaultValue is null ? null : () => defaultValue);
        option.Required = defaultValue is null;
        option.CompletionSources.Add(values);
        return option;
    }

    /// <summary>Comma-separated items, at least one ("a,b,c"); empty when not given (System.CommandLine reads an absent
    /// array option as empty, never null).</summary>
    public static Option<string[]> List(string name, string helpName, string description, string? emptyMessage = null) =>
        Value(name, helpName, description, s =>
        {
            var items = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return items.Length > 0 ? items : throw new FormatException(emptyMessage ?? $"{name} needs at least one item");
        });

    /// <summary>A string that may be given several times, one value each time (<c>--source A --source B</c>), in the
    /// order given; empty when not given.</summary>
    public static Option<string[]> Repeatable(string name, string helpName, string description)
    {
        var option = new Option<string[]>(name)
        {
            Description = description,
            HelpName = helpName,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            CustomParser = r => [.. r.Tokens.Select(t => ParseToken(r, name, t.Value, s => s))],
        };
        option.DefaultValueFactory = _ => [];
        return option;
    }

    public static int ParseInt(string name, string text, int min = int.MinValue)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new FormatException($"{name} expects an integer, got '{text}'");
        return v >= min ? v : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{name} must be ≥ {min}, got {v}"));
    }

    public static double ParseNumber(string name, string text, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new FormatException($"{name} expects a number, got '{text}'");
        if (v >= min && v <= max) return v;
        var inv = CultureInfo.InvariantCulture;
        throw new FormatException(double.IsPositiveInfinity(max)
            ? string.Create(inv, $"{name} must be ≥ {min}, got {v}")
            : string.Create(inv, $"{name} must be in [{min},{max}], got {v}"));
    }

    private static T ParseToken<T>(ArgumentResult result, string name, Func<string, T> parse)
    {
        if (result.Tokens.Count == 0) { result.AddError($"{name} needs a value"); return default!; }
        return ParseToken(result, name, result.Tokens[^1].Value, parse);
    }

    private static T ParseToken<T>(ArgumentResult result, string name, string text, Func<string, T> parse)
    {
        if (text.Length > 1 && text[0] == '-' && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            result.AddError($"{name} needs a value, got the option '{text}'");
            return default!;
        }
        try { return parse(text); }
        catch (Exception e) when (e is FormatException or UsageException)
        {
            result.AddError(e.Message);
            return default!;
        }
    }
}
