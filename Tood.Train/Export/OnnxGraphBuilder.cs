using System.Runtime.InteropServices;
using Google.Protobuf;
using Tood.Train.Common;
using Tood.Train.Export.Onnx;
using TorchSharp;
using DataType = Tood.Train.Export.Onnx.TensorProto.Types.DataType;

namespace Tood.Train.Export;

/// <summary>
/// Builds one ONNX graph (opset <see cref="Opset"/>, IR <see cref="IrVersion"/>) node by node.
/// Deterministic by construction: value names come from per-hint counters in call order, initializers
/// and nodes are kept in insertion-ordered lists and metadata in the order given, and nothing
/// time- or machine-dependent is written, so the same calls produce byte-identical files.
/// Only ops in <see cref="SupportedOps"/> are accepted.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>Opset 17: GridSample (≥16) and every op we use is implemented by ORT's CPU and DirectML EPs.</summary>
    public const int Opset = 17;
    /// <summary>IR version 8 is what opset 17 was released with.</summary>
    public const int IrVersion = 8;

    private readonly GraphProto _graph;
    private readonly Dictionary<string, int> _nameCounters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> _initializerByName = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(string graphName, OnnxPrecision precision = OnnxPrecision.Float32)
    {
        _graph = new GraphProto { Name = graphName };
        Precision = precision;
    }

    public OnnxPrecision Precision { get; }

    /// <summary>Element type of weights and activations (float or float16).</summary>
    public DataType ComputeType => Precision == OnnxPrecision.Float16 ? DataType.Float16 : DataType.Float;

    public IReadOnlyList<NodeProto> Nodes => _graph.Node;

    public IReadOnlyList<TensorProto> Initializers => _graph.Initializer;

    // ---------------------------------------------------------------- names

    /// <summary>A fresh value/node name derived from <paramref name="hint"/> ("hint", "hint_1", ...).</summary>
    public string UniqueName(string hint)
    {
        if (_names.Add(hint)) { _nameCounters.TryAdd(hint, 0); return hint; }
        int n = _nameCounters.TryGetValue(hint, out var c) ? c : 0;
        string name;
        do { n++; name = $"{hint}_{n}"; } while (!_names.Add(name));
        _nameCounters[hint] = n;
        return name;
    }

    // ---------------------------------------------------------------- graph inputs / outputs

    public void AddInput(string name, DataType type, params OnnxDim[] shape)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"ONNX name '{name}' is already used");
        _graph.Input.Add(ValueInfo(name, type, shape));
    }

    /// <summary>Declares a graph output. Produce it by passing <paramref name="name"/> as the hint of the last node
    /// (the first use of a hint keeps it verbatim); <see cref="ToModel"/> checks that it was produced.</summary>
    public void AddOutput(string name, DataType type, params OnnxDim[] shape) => _graph.Output.Add(ValueInfo(name, type, shape));

    private static ValueInfoProto ValueInfo(string name, DataType type, OnnxDim[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var d in shape)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Param is not null) dim.DimParam = d.Param; else dim.DimValue = d.Value!.Value;
            tensorShape.Dim.Add(dim);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }

    // ---------------------------------------------------------------- initializers

    /// <summary>A weight/constant in <see cref="ComputeType"/> from a float TorchSharp tensor (copied, any device/dtype).
    /// Adding the same name twice returns the existing initializer if the contents are identical (shared head weights).</summary>
    public string Weight(string name, torch.Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        var t = tensor.detach().to(torch.CPU).to_type(torch.float32).contiguous();
        return Weight(name, t.data<float>().ToArray(), t.shape);
    }

    /// <summary>A weight/constant in <see cref="ComputeType"/> (float32 values, converted to float16 if needed).</summary>
    public string Weight(string name, ReadOnlySpan<float> data, params long[] dims) =>
        Precision == OnnxPrecision.Float16 ? Float16Constant(name, data, dims) : Float32Constant(name, data, dims);

    /// <summary>A float32 constant regardless of <see cref="Precision"/> (preprocessing and decoding run in fp32).</summary>
    public string Float32Constant(string name, ReadOnlySpan<float> data, params long[] dims) =>
        AddInitializer(name, DataType.Float, MemoryMarshal.AsBytes(data), data.Length, dims);

    public string Float16Constant(string name, ReadOnlySpan<float> data, params long[] dims)
    {
        var half = new Half[data.Length];
        for (int i = 0; i < data.Length; i++) half[i] = (Half)data[i]; // round to nearest even
        return AddInitializer(name, DataType.Float16, MemoryMarshal.AsBytes(half.AsSpan()), data.Length, dims);
    }

    public string Int64Constant(string name, ReadOnlySpan<long> data, params long[] dims) =>
        AddInitializer(name, DataType.Int64, MemoryMarshal.AsBytes(data), data.Length, dims);

    private string AddInitializer(string name, DataType type, ReadOnlySpan<byte> raw, int count, long[] dims)
    {
        long expected = 1;
        foreach (var d in dims) expected *= d;
        if (expected != count) throw new ArgumentException($"initializer '{name}': {count} values do not fill shape {Shapes.FormatDims(dims)}");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian");

        if (_initializerByName.TryGetValue(name, out var existing))
        {
            if (existing.DataType == (int)type && existing.Dims.SequenceEqual(dims) && existing.RawData.Span.SequenceEqual(raw)) return name;
            throw new InvalidOperationException($"initializer '{name}' added twice with different contents");
        }
        if (!_names.Add(name)) throw new InvalidOperationException($"ONNX name '{name}' is already used by a value");
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(dims);
        _graph.Initializer.Add(t);
        _initializerByName.Add(name, t);
        return name;
    }

    // ---------------------------------------------------------------- nodes

    /// <summary>Adds a single-output node; returns the output value name (derived from <paramref name="hint"/>).</summary>
    public string Node(string opType, IReadOnlyList<string> inputs, string hint, params AttributeProto[] attributes) =>
        Node(opType, inputs, [hint], attributes)[0];

    /// <summary>Adds a node with one output per hint. An empty input name means "optional input omitted".</summary>
    public string[] Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputHints, params AttributeProto[] attributes)
    {
        if (!SupportedOps.Contains(opType)) throw new InvalidOperationException($"op '{opType}' is not in SupportedOps (portable op list)");
        var node = new NodeProto { OpType = opType, Name = UniqueName($"{opType}_{_graph.Node.Count}") };
        foreach (var i in inputs)
        {
            if (i.Length > 0 && !_names.Contains(i)) throw new InvalidOperationException($"{opType} input '{i}' is not defined");
            node.Input.Add(i);
        }
        var outputs = new string[outputHints.Count];
        for (int k = 0; k < outputs.Length; k++) outputs[k] = UniqueName(outputHints[k]);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    // ---------------------------------------------------------------- model

    /// <summary>The finished model. <paramref name="metadata"/> is written in the given order.</summary>
    public ModelProto ToModel(IEnumerable<KeyValuePair<string, string>> metadata, string producerVersion)
    {
        foreach (var o in _graph.Output)
            if (!_names.Contains(o.Name)) throw new InvalidOperationException($"graph output '{o.Name}' is never produced");
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "tood-train",
            ProducerVersion = producerVersion,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (k, v) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }
}
