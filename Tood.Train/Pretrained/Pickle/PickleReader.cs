using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Tood.Train.Pretrained.Pickle;

/// <summary>What a pickle user supplies: persistent ids (torch storages) and the callables it models (torch rebuilds).</summary>
public interface IPickleResolver
{
    /// <summary>Object for a persistent id (PERSID / BINPERSID).</summary>
    object? PersistentLoad(object? pid);

    /// <summary>Result of calling <paramref name="callable"/> with <paramref name="args"/> (REDUCE), or false to
    /// keep it as an opaque <see cref="PyObject"/>.</summary>
    bool TryReduce(PyGlobal callable, PyTuple args, out object? result);
}

/// <summary>
/// A pickle virtual machine for protocols 0–5 that never imports or runs anything: globals stay names, unknown
/// instances become <see cref="PyObject"/>; dicts, lists, tuples, sets, scalars, strings and bytes become the
/// <see cref="PyValues"/> types. Reads one pickle from the current stream position to its STOP opcode and
/// leaves the stream just after it (torch's legacy format stores several pickles back to back, then raw data).
/// Malformed input throws <see cref="InvalidDataException"/> naming the opcode and byte offset.
/// </summary>
public sealed class PickleReader(Stream stream, IPickleResolver? resolver = null)
{
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private long _opAt;

    /// <summary>Reads one pickle (up to and including STOP) and returns its value.</summary>
    public object? Load()
    {
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        try
        {
            while (true)
            {
                _opAt = stream.Position;
                int op = stream.ReadByte();
                if (op < 0) throw new EndOfStreamException();
                if (op == '.') return _stack.Count == 1 ? _stack[0] : throw Bad("STOP with a stack of " + _stack.Count);
                Step((byte)op);
            }
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"truncated: the pickle ends at byte {stream.Position} before its STOP opcode");
        }
    }

    private void Step(byte op)
    {
        switch (op)
        {
            case 0x80: int proto = U8(); if (proto > 5) throw Bad($"unsupported pickle protocol {proto}"); break; // PROTO
            case 0x95: Bytes(8); break;                                                   // FRAME (length only)
            case (byte)'(': _marks.Push(_stack.Count); break;                              // MARK
            case (byte)'0': Pop(); break;                                                 // POP
            case (byte)'1': PopMark(); break;                                             // POP_MARK
            case (byte)'2': Push(Peek()); break;                                          // DUP
            case (byte)'N': Push(null); break;
            case 0x88: Push(true); break;                                                 // NEWTRUE
            case 0x89: Push(false); break;                                                // NEWFALSE
            case (byte)'I': Push(TextInt(Line())); break;                                 // INT
            case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break; // BININT
            case (byte)'K': Push((long)U8()); break;                                      // BININT1
            case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break; // BININT2
            case (byte)'L': Push(Normalise(BigInteger.Parse(Line().TrimEnd('L'), CultureInfo.InvariantCulture))); break; // LONG
            case 0x8a: Push(Normalise(new BigInteger(Bytes(U8()), isUnsigned: false, isBigEndian: false))); break; // LONG1
            case 0x8b: Push(Normalise(new BigInteger(Bytes(Length(4)), isUnsigned: false, isBigEndian: false))); break; // LONG4
            case (byte)'F': Push(double.Parse(Line(), CultureInfo.InvariantCulture)); break; // FLOAT
            case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break;  // BINFLOAT
            case (byte)'X': Push(Encoding.UTF8.GetString(Bytes(Length(4)))); break;       // BINUNICODE
            case 0x8c: Push(Encoding.UTF8.GetString(Bytes(U8()))); break;                 // SHORT_BINUNICODE
            case 0x8d: Push(Encoding.UTF8.GetString(Bytes(Length(8)))); break;            // BINUNICODE8
            case (byte)'T': Push(Encoding.Latin1.GetString(Bytes(Length(4)))); break;      // BINSTRING (py2 str)
            case (byte)'U': Push(Encoding.Latin1.GetString(Bytes(U8()))); break;           // SHORT_BINSTRING
            case (byte)'B': Push(Bytes(Length(4))); break;                                // BINBYTES
            case (byte)'C': Push(Bytes(U8())); break;                                     // SHORT_BINBYTES
            case 0x8e: case 0x96: Push(Bytes(Length(8))); break;                          // BINBYTES8, BYTEARRAY8
            case (byte)'}': Push(new PyDict()); break;                                    // EMPTY_DICT
            case (byte)'d': Push(DictFrom(PopMark())); break;                             // DICT
            case (byte)'s': { var v = Pop(); var k = Pop(); SetItem(Peek(), k, v); break; } // SETITEM
            case (byte)'u': { var items = PopMark(); var d = Peek(); for (int i = 0; i + 1 < items.Count; i += 2) SetItem(d, items[i], items[i + 1]); break; } // SETITEMS
            case (byte)']': Push(new List<object?>()); break;                             // EMPTY_LIST
            case (byte)'l': Push(PopMark()); break;                                       // LIST
            case (byte)'a': { var v = Pop(); Append(Peek(), [v]); break; }                // APPEND
            case (byte)'e': { var items = PopMark(); Append(Peek(), items); break; }      // APPENDS
            case 0x8f: Push(new List<object?>()); break;                                  // EMPTY_SET
            case 0x90: { var items = PopMark(); Append(Peek(), items); break; }           // ADDITEMS
            case 0x91: Push(PopMark()); break;                                            // FROZENSET
            case (byte)')': Push(PyTuple.Empty); break;                                   // EMPTY_TUPLE
            case (byte)'t': Push(new PyTuple([.. PopMark()])); break;                     // TUPLE
            case 0x85: Push(new PyTuple([Pop()])); break;                                 // TUPLE1
            case 0x86: { var b = Pop(); var a = Pop(); Push(new PyTuple([a, b])); break; } // TUPLE2
            case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PyTuple([a, b, c])); break; } // TUPLE3
            case (byte)'p': _memo[long.Parse(Line(), CultureInfo.InvariantCulture)] = Peek(); break; // PUT
            case (byte)'q': _memo[U8()] = Peek(); break;                                  // BINPUT
            case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))] = Peek(); break; // LONG_BINPUT
            case 0x94: _memo[_memo.Count] = Peek(); break;                                // MEMOIZE
            case (byte)'g': Push(Memo(long.Parse(Line(), CultureInfo.InvariantCulture))); break; // GET
            case (byte)'h': Push(Memo(U8())); break;                                      // BINGET
            case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break; // LONG_BINGET
            case (byte)'c': { var module = Line(); Push(new PyGlobal(module, Line())); break; } // GLOBAL
            case 0x93: { var name = Pop() as string; var module = Pop() as string; Push(new PyGlobal(module ?? throw Bad("STACK_GLOBAL module"), name ?? throw Bad("STACK_GLOBAL name"))); break; }
            case (byte)'R': { var args = Pop() as PyTuple ?? throw Bad("REDUCE arguments are not a tuple"); Push(Reduce(Pop(), args)); break; }
            case 0x81: { var args = Pop() as PyTuple ?? throw Bad("NEWOBJ arguments are not a tuple"); Push(Reduce(Pop(), args)); break; }
            case 0x92: { Pop(); var args = Pop() as PyTuple ?? throw Bad("NEWOBJ_EX arguments are not a tuple"); Push(Reduce(Pop(), args)); break; }
            case (byte)'i': { var module = Line(); var g = new PyGlobal(module, Line()); Push(Reduce(g, new PyTuple([.. PopMark()]))); break; } // INST
            case (byte)'o': { var items = PopMark(); if (items.Count == 0) throw Bad("OBJ without a class"); Push(Reduce(items[0], new PyTuple([.. items.Skip(1)]))); break; }
            case (byte)'b': { var state = Pop(); Build(Peek(), state); break; }           // BUILD
            case (byte)'P': Push(Persistent(Line())); break;                             // PERSID
            case (byte)'Q': Push(Persistent(Pop())); break;                              // BINPERSID
            default: throw Bad($"unsupported pickle opcode 0x{op:x2}");
        }
    }

    private object? Reduce(object? callable, PyTuple args)
    {
        if (callable is not PyGlobal g) throw Bad($"call of a non-class value {PyRepr.Of(callable)}");
        if (resolver is not null && resolver.TryReduce(g, args, out var r)) return r;
        switch (g.Module, g.Name)
        {
            case ("collections", "OrderedDict"):
                var d = new PyDict { Class = g };
                if (args.Count == 1 && args[0] is List<object?> pairs)
                    foreach (var p in pairs)
                        if (p is PyTuple { Count: 2 } kv) d[kv[0] ?? throw Bad("None dict key")] = kv[1];
                return d;
            case ("_codecs", "encode"): // protocol 2 stores bytes as _codecs.encode(text, 'latin1')
                return args.Count >= 1 && args[0] is string s ? Encoding.Latin1.GetBytes(s) : throw Bad("_codecs.encode arguments");
            case ("builtins" or "__builtin__", "set" or "frozenset" or "list"):
                return args.Count == 1 && args[0] is List<object?> l ? new List<object?>(l) : new List<object?>();
            case ("builtins" or "__builtin__", "bytearray"):
                return args.Count >= 1 && args[0] is byte[] b ? b : Array.Empty<byte>();
            case ("copyreg" or "copy_reg", "_reconstructor"):
                return new PyObject(args.Count > 0 ? args[0] as PyGlobal : null, args);
            default:
                return new PyObject(g, args);
        }
    }

    private void Build(object? target, object? state)
    {
        switch (target)
        {
            case PyObject o: o.State = state; break;
            case PyDict: break;     // attributes of a dict subclass (torch's OrderedDict._metadata): not items
            default: break;         // modelled values (tensors) carry no Python state we need
        }
    }

    private object? Persistent(object? pid) =>
        resolver is null ? throw Bad("persistent id without a resolver") : resolver.PersistentLoad(pid);

    private void SetItem(object? target, object? key, object? value)
    {
        if (key is null) throw Bad("None as a dict key");
        switch (target)
        {
            case PyDict d: d[key] = value; break;
            case PyObject o: o.DictItems[key] = value; break;
            default: throw Bad($"SETITEM on {PyRepr.Of(target)}");
        }
    }

    private void Append(object? target, List<object?> items)
    {
        switch (target)
        {
            case List<object?> l: l.AddRange(items); break;
            case PyObject o: o.ListItems.AddRange(items); break;
            default: throw Bad($"APPEND on {PyRepr.Of(target)}");
        }
    }

    private PyDict DictFrom(List<object?> items)
    {
        var d = new PyDict();
        for (int i = 0; i + 1 < items.Count; i += 2) d[items[i] ?? throw Bad("None dict key")] = items[i + 1];
        return d;
    }

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Bad($"memo key {key} was never stored");

    private void Push(object? v) => _stack.Add(v);

    private object? Peek() => _stack.Count > 0 && (_marks.Count == 0 || _stack.Count > _marks.Peek()) ? _stack[^1] : throw Bad("stack underflow");

    private object? Pop()
    {
        var v = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Bad("no MARK on the stack");
        int at = _marks.Pop();
        var items = _stack.GetRange(at, _stack.Count - at);
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }

    private int U8()
    {
        int b = stream.ReadByte();
        return b < 0 ? throw new EndOfStreamException() : b;
    }

    private long Length(int size)
    {
        var b = Bytes(size);
        long n = size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b);
        // A length past the end of the file is corruption, not a reason to allocate gigabytes.
        if (n < 0 || n > stream.Length - stream.Position) throw new EndOfStreamException();
        return n;
    }

    private byte[] Bytes(long n)
    {
        if (n > int.MaxValue) throw Bad($"a {n}-byte pickle value");
        var b = new byte[n];
        stream.ReadExactly(b);
        return b;
    }

    private string Line()
    {
        var sb = new StringBuilder();
        while (true)
        {
            int c = stream.ReadByte();
            if (c < 0) throw new EndOfStreamException();
            if (c == '\n') return sb.ToString();
            if (sb.Length > 4096) throw Bad("text line over 4096 bytes");
            sb.Append((char)c);
        }
    }

    private object TextInt(string s) => s switch
    {
        "00" => false,
        "01" => true,
        _ => Normalise(BigInteger.Parse(s, CultureInfo.InvariantCulture)),
    };

    private static object Normalise(BigInteger v) => v >= long.MinValue && v <= long.MaxValue ? (long)v : v;

    private InvalidDataException Bad(string what) => new($"malformed pickle at byte {_opAt}: {what}");
}
