using Tood.Train.Export.Onnx;

namespace Tood.Train.Export.Quantize;

/// <summary>
/// Which convolutions of an fp32 graph become int8 and which activations get a QuantizeLinear→DequantizeLinear pair.
/// A quantized conv has its input and its output quantized — the output after the ReLU when a ReLU is its only
/// consumer, so that ORT folds DQ→Conv(→ReLU)→Q into one QLinearConv (a conv whose output stays float is not fused
/// and runs slower than fp32). That chains int8 through the backbone: a residual Add then has both inputs and its
/// (ReLU'd) output quantized and runs as QLinearAdd.
/// </summary>
internal sealed class QuantizationPlan
{
    private QuantizationPlan(IReadOnlyList<NodeProto> convs, IReadOnlyList<(string Weight, FloatRule Rule)> floatConvs, IReadOnlyList<string> tensors)
    {
        Convs = convs; FloatConvs = floatConvs; Tensors = tensors;
    }

    /// <summary>The convs that become int8 (graph nodes, in graph order).</summary>
    public IReadOnlyList<NodeProto> Convs { get; }
    /// <summary>Distinct weight names of the convs kept float, with the rule that kept each.</summary>
    public IReadOnlyList<(string Weight, FloatRule Rule)> FloatConvs { get; }
    /// <summary>Activations to quantize, in graph order (calibration fetches exactly these).</summary>
    public IReadOnlyList<string> Tensors { get; }

    public static QuantizationPlan Create(GraphProto g, IReadOnlyList<FloatRule> floatRules)
    {
        var initializers = g.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var consumers = Consumers(g);
        var convs = new List<NodeProto>();
        var kept = new List<(string, FloatRule)>();
        var tensors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string t) { if (seen.Add(t)) tensors.Add(t); }
        foreach (var n in g.Node)
        {
            if (n.OpType != "Conv") continue;
            var weight = n.Input[1];
            if (!initializers.Contains(weight) || (n.Input.Count > 2 && n.Input[2].Length > 0 && !initializers.Contains(n.Input[2])))
                continue; // weights computed in the graph: not ours to quantize
            if (FloatLayers.Match(weight, floatRules) is { } rule)
            {
                if (!kept.Any(k => k.Item1 == weight)) kept.Add((weight, rule));
                continue;
            }
            convs.Add(n);
            Add(n.Input[0]);
            Add(QuantizedOutput(n, consumers));
        }
        var order = GraphOrder(g);
        tensors.Sort((a, b) => order.GetValueOrDefault(a).CompareTo(order.GetValueOrDefault(b)));
        return new QuantizationPlan(convs, kept, tensors);
    }

    /// <summary>The conv's output, or the output of the ReLU that is its only consumer.</summary>
    internal static string QuantizedOutput(NodeProto conv, IReadOnlyDictionary<string, List<NodeProto>> consumers)
    {
        var y = conv.Output[0];
        return consumers.TryGetValue(y, out var c) && c.Count == 1 && c[0].OpType == "Relu" ? c[0].Output[0] : y;
    }

    internal static Dictionary<string, List<NodeProto>> Consumers(GraphProto g)
    {
        var map = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var n in g.Node)
            foreach (var i in n.Input.Where(i => i.Length > 0).Distinct())
            {
                if (!map.TryGetValue(i, out var list)) map[i] = list = [];
                list.Add(n);
            }
        return map;
    }

    /// <summary>Index of the node producing each value (graph inputs: −1).</summary>
    private static Dictionary<string, int> GraphOrder(GraphProto g)
    {
        var order = g.Input.ToDictionary(i => i.Name, _ => -1, StringComparer.Ordinal);
        for (int k = 0; k < g.Node.Count; k++) foreach (var o in g.Node[k].Output) order[o] = k;
        return order;
    }
}
