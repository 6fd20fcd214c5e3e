using System.Numerics;

namespace Tood.Train.Pretrained.Pickle;

// Python values as the pickle reader produces them: None → null, bool, int → long (BigInteger when it does
// not fit), float → double, str → string, bytes → byte[], tuple → PyTuple, list/set → List<object?>,
// dict → PyDict. Classes are never imported: a global is a PyGlobal, an instance a PyObject.

/// <summary>A Python tuple (structural equality, so tuples work as dict keys).</summary>
public sealed class PyTuple(object?[] items) : IEquatable<PyTuple>
{
    public static readonly PyTuple Empty = new([]);

    public IReadOnlyList<object?> Items { get; } = items;
    public int Count => Items.Count;
    public object? this[int i] => Items[i];

    public bool Equals(PyTuple? other) =>
        other is not null && other.Count == Count && Items.Zip(other.Items).All(p => PyKeyComparer.Instance.Equals(p.First, p.Second));

    public override bool Equals(object? obj) => obj is PyTuple t && Equals(t);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var i in Items) h.Add(i is null ? 0 : PyKeyComparer.Instance.GetHashCode(i));
        return h.ToHashCode();
    }

    public override string ToString() => "(" + string.Join(", ", Items.Select(PyRepr.Of)) + (Count == 1 ? ",)" : ")");
}

/// <summary>A Python dict or OrderedDict: insertion-ordered, keys compared like Python (1 == 1L, tuples by value).</summary>
public sealed class PyDict() : OrderedDictionary<object, object?>(PyKeyComparer.Instance)
{
    /// <summary>The class when this is a dict subclass (collections.OrderedDict), else null.</summary>
    public PyGlobal? Class { get; init; }

    /// <summary>Value of a string key, or null when absent.</summary>
    public object? Get(string key) => TryGetValue(key, out var v) ? v : null;
}

/// <summary>A reference to a module-level name (GLOBAL / STACK_GLOBAL), never resolved.</summary>
public sealed record PyGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>An instance of a class this reader does not model: its constructor arguments and state, kept for inspection.</summary>
public sealed class PyObject(PyGlobal? cls, PyTuple args)
{
    public PyGlobal? Class { get; } = cls;
    public PyTuple Args { get; } = args;
    public object? State { get; set; }
    /// <summary>Items appended (list subclasses) or set (dict subclasses), if any.</summary>
    public List<object?> ListItems { get; } = [];
    public PyDict DictItems { get; } = [];

    public override string ToString() => $"<{Class?.ToString() ?? "object"} instance>";
}

internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (IsInteger(a) && IsInteger(b)) return ToBig(a) == ToBig(b);
        if (a is byte[] x && b is byte[] y) return x.AsSpan().SequenceEqual(y);
        return a.Equals(b);
    }

    public int GetHashCode(object o) => o switch
    {
        long or int or BigInteger or bool => ToBig(o).GetHashCode(),
        byte[] b => b.Length == 0 ? 0 : HashCode.Combine(b.Length, b[0], b[^1]),
        _ => o.GetHashCode(),
    };

    private static bool IsInteger(object o) => o is long or int or BigInteger or bool;

    private static BigInteger ToBig(object o) => o switch
    {
        long l => l,
        int i => i,
        bool b => b ? 1 : 0,
        _ => (BigInteger)o,
    };
}

/// <summary>Short Python-like text of a value, for error messages.</summary>
public static class PyRepr
{
    public static string Of(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        string s => "'" + (s.Length > 40 ? s[..40] + "…" : s) + "'",
        byte[] b => $"b<{b.Length} bytes>",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        PyDict d => $"{{dict of {d.Count}}}",
        List<object?> l => $"[list of {l.Count}]",
        _ => v.ToString() ?? "?",
    };
}
