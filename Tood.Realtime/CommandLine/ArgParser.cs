using System.Globalization;

namespace Tood.CommandLine;

/// <summary>
/// Minimal GNU-style option parser shared by tood-live and tood-train (Tood.CommandLine): <c>--name value</c>,
/// <c>--name=value</c> and boolean <c>--flag</c>. Unknown options are an error (typos must not be
/// silently ignored). Throws <see cref="UsageException"/> with a one-line message.
/// </summary>
public sealed class ArgParser
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
    public IReadOnlyList<string> Positionals { get; }

    public ArgParser(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        var positionals = new List<string>();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var a = e.Current;
            if (!a.StartsWith("--", StringComparison.Ordinal) || a == "--") { positionals.Add(a); continue; }
            var name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            else if (!flags.Contains(name))
            {
                if (!e.MoveNext()) throw new UsageException($"option --{name} needs a value");
                value = e.Current;
            }
            _values[name] = value ?? "true";
        }
        Positionals = positionals;
    }

    public bool Has(string name) { _consumed.Add(name); return _values.ContainsKey(name); }

    public string? String(string name, string? fallback = null)
    {
        _consumed.Add(name);
        return _values.TryGetValue(name, out var v) ? v : fallback;
    }

    public string Required(string name) =>
        String(name) ?? throw new UsageException($"missing required option --{name}");

    public bool Flag(string name)
    {
        _consumed.Add(name);
        return _values.TryGetValue(name, out var v) && v is not ("false" or "0");
    }

    public int Int(string name, int fallback)
    {
        var s = String(name);
        if (s is null) return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new UsageException($"--{name} expects an integer, got '{s}'");
    }

    public double Double(string name, double fallback)
    {
        var s = String(name);
        if (s is null) return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : throw new UsageException($"--{name} expects a number, got '{s}'");
    }

    /// <summary>Call after reading every option: rejects any option the command does not know.</summary>
    public void ThrowOnUnknown()
    {
        foreach (var k in _values.Keys)
            if (!_consumed.Contains(k)) throw new UsageException($"unknown option --{k}");
    }
}

/// <summary>A command-line usage error: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
