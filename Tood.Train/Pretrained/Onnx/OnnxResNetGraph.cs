using Tood.Train.Common;
using Tood.Train.Export.Onnx;

namespace Tood.Train.Pretrained.Onnx;

/// <summary>A Conv node with its float32 weight [O,I,kh,kw] and optional bias.</summary>
internal sealed record OnnxConv(string Node, long[] Dims, float[] Weight, float[]? Bias, long[] Strides, long[] Pads, long[] Dilations, long Group)
{
    public long OutChannels => Dims[0];
    public long Kernel => Dims[2];
}

/// <summary>A BatchNormalization node (inference form): y = scale·(x − mean)/√(var + ε) + bias.</summary>
internal sealed record OnnxBatchNorm(string Node, float[] Scale, float[] Bias, float[] Mean, float[] Var, float Epsilon);

/// <summary>One residual BasicBlock: conv1/bn1 → ReLU → conv2/bn2, + identity or a 1×1 projection, → ReLU.</summary>
internal sealed record OnnxBasicBlock(OnnxConv Conv1, OnnxBatchNorm Bn1, OnnxConv Conv2, OnnxBatchNorm Bn2, OnnxConv? DownConv, OnnxBatchNorm? DownBn);

/// <summary>
/// The ResNet (BasicBlock) structure of an ONNX classifier graph, found by walking the graph from its input
/// through the data flow — stem Conv → BatchNormalization → Relu → MaxPool, then blocks that end in an Add
/// whose other input is the block input or a 1×1 Conv → BatchNormalization projection of it — never by
/// node or initializer names (the CNTK export names them Parameter91, Constant98, …). Stages are runs of
/// blocks with the same output width. Anything else (a missing BN, a second consumer, a non-float
/// initializer) is a <see cref="WeightsException"/> with one line naming the file and node.
/// </summary>
internal sealed class OnnxResNetGraph
{
    public required OnnxConv StemConv { get; init; }
    public required OnnxBatchNorm StemBn { get; init; }
    public required long[] PoolKernel { get; init; }
    public required long[] PoolStrides { get; init; }
    public required long[] PoolPads { get; init; }
    public required IReadOnlyList<IReadOnlyList<OnnxBasicBlock>> Stages { get; init; }
    public required string InputName { get; init; }
    public required long[] InputDims { get; init; }

    public int ConvCount => 1 + Stages.Sum(s => s.Sum(b => b.DownConv is null ? 2 : 3));

    public static OnnxResNetGraph Read(string path) => new Walker(OnnxTensors.ReadModel(path), path).Walk();

    private sealed class Walker
    {
        private readonly string _file;
        private readonly Dictionary<string, TensorProto> _inits;
        private readonly ILookup<string, NodeProto> _consumers;
        private readonly GraphProto _graph;

        public Walker(ModelProto model, string file)
        {
            _file = file;
            _graph = model.Graph;
            _inits = _graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
            _consumers = _graph.Node.SelectMany(n => n.Input.Where(i => i.Length > 0).Distinct().Select(i => (i, n))).ToLookup(p => p.i, p => p.n, StringComparer.Ordinal);
        }

        private WeightsException Fail(string message) => new($"{Path.GetFileName(_file)}: {message}");

        private static string Describe(NodeProto n) => $"{n.OpType} '{(n.Name.Length > 0 ? n.Name : n.Output.FirstOrDefault())}'";

        /// <summary>The single consumer of <paramref name="tensor"/>, which must be <paramref name="op"/>.</summary>
        private NodeProto Next(string tensor, string op, NodeProto after)
        {
            var users = _consumers[tensor].ToList();
            if (users.Count != 1 || users[0].OpType != op)
                throw Fail($"expected one {op} after {Describe(after)}, found {(users.Count == 0 ? "nothing" : string.Join(", ", users.Select(Describe)))}");
            return users[0];
        }

        private float[] Init(NodeProto node, int input, string what)
        {
            if (node.Input.Count <= input || !_inits.TryGetValue(node.Input[input], out var t))
                throw Fail($"{Describe(node)} has no constant {what} (input {input})");
            return OnnxTensors.Floats(t, _file);
        }

        private long[] InitDims(NodeProto node, int input) => [.. _inits[node.Input[input]].Dims];

        private long KernelOf(NodeProto conv) =>
            conv.Input.Count > 1 && _inits.TryGetValue(conv.Input[1], out var w) && w.Dims.Count == 4 ? w.Dims[2] : -1;

        private OnnxConv Conv(NodeProto n)
        {
            var w = Init(n, 1, "weight");
            var dims = InitDims(n, 1);
            if (dims.Length != 4) throw Fail($"{Describe(n)} weight has dims {Shapes.FormatDims(dims)}, expected 4-D");
            float[]? bias = n.Input.Count > 2 && n.Input[2].Length > 0 ? Init(n, 2, "bias") : null;
            var autoPad = n.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
            if (autoPad is not ("NOTSET" or ""))
                throw Fail($"{Describe(n)} uses auto_pad={autoPad}; only explicit pads are supported");
            return new OnnxConv(n.Name.Length > 0 ? n.Name : n.Output[0], dims, w, bias,
                OnnxTensors.Ints(n, "strides", [1, 1]), OnnxTensors.Ints(n, "pads", [0, 0, 0, 0]),
                OnnxTensors.Ints(n, "dilations", [1, 1]), OnnxTensors.Int(n, "group", 1));
        }

        private OnnxBatchNorm Bn(NodeProto n) =>
            new(n.Name.Length > 0 ? n.Name : n.Output[0], Init(n, 1, "scale"), Init(n, 2, "bias"), Init(n, 3, "mean"), Init(n, 4, "variance"),
                OnnxTensors.Float(n, "epsilon", 1e-5f));

        /// <summary>Conv → BatchNormalization starting at a Conv node; returns both and the BN node.</summary>
        private (OnnxConv Conv, OnnxBatchNorm Bn, NodeProto BnNode) ConvBn(NodeProto conv)
        {
            var bnNode = Next(conv.Output[0], "BatchNormalization", conv);
            return (Conv(conv), Bn(bnNode), bnNode);
        }

        public OnnxResNetGraph Walk()
        {
            var input = _graph.Input.FirstOrDefault(i => !_inits.ContainsKey(i.Name))
                ?? throw Fail("graph has no image input");
            var inputDims = input.Type?.TensorType?.Shape?.Dim.Select(d => d.DimValue).ToArray() ?? [];
            var stemNode = _consumers[input.Name].SingleOrDefault(n => n.OpType == "Conv")
                ?? throw Fail($"the input '{input.Name}' does not feed one Conv (not a ResNet stem)");
            var (stemConv, stemBn, stemBnNode) = ConvBn(stemNode);
            var relu = Next(stemBnNode.Output[0], "Relu", stemBnNode);
            var pool = Next(relu.Output[0], "MaxPool", relu);

            var stages = new List<List<OnnxBasicBlock>>();
            string x = pool.Output[0];
            NodeProto xNode = pool;
            while (true)
            {
                var convs = _consumers[x].Where(n => n.OpType == "Conv").ToList();
                if (convs.Count == 0) break;
                var main = convs.Where(c => KernelOf(c) == 3).ToList();
                var down = convs.Where(c => KernelOf(c) == 1).ToList();
                if (main.Count != 1 || down.Count > 1 || main.Count + down.Count != convs.Count)
                    throw Fail($"after {Describe(xNode)}: expected one 3×3 Conv (and at most one 1×1 projection), found {string.Join(", ", convs.Select(Describe))}");
                var (c1, b1, b1Node) = ConvBn(main[0]);
                var r1 = Next(b1Node.Output[0], "Relu", b1Node);
                var (c2, b2, b2Node) = ConvBn(Next(r1.Output[0], "Conv", r1));
                var add = Next(b2Node.Output[0], "Add", b2Node);
                OnnxConv? dc = null;
                OnnxBatchNorm? db = null;
                string skip = x;
                if (down.Count == 1)
                {
                    NodeProto dbNode;
                    (dc, db, dbNode) = ConvBn(down[0]);
                    skip = dbNode.Output[0];
                }
                var other = add.Input.Count == 2 ? add.Input.First(i => i != b2Node.Output[0]) : "";
                if (other != skip)
                    throw Fail($"{Describe(add)} adds '{other}', expected the block input{(dc is null ? "" : "'s 1×1 projection")} '{skip}'");
                var block = new OnnxBasicBlock(c1, b1, c2, b2, dc, db);
                if (stages.Count == 0 || stages[^1][^1].Conv2.OutChannels != c2.OutChannels) stages.Add([]);
                stages[^1].Add(block);
                xNode = Next(add.Output[0], "Relu", add);
                x = xNode.Output[0];
            }
            if (stages.Count == 0) throw Fail($"no residual blocks after {Describe(pool)}");
            return new OnnxResNetGraph
            {
                StemConv = stemConv,
                StemBn = stemBn,
                PoolKernel = OnnxTensors.Ints(pool, "kernel_shape", []),
                PoolStrides = OnnxTensors.Ints(pool, "strides", [1, 1]),
                PoolPads = OnnxTensors.Ints(pool, "pads", [0, 0, 0, 0]),
                Stages = stages,
                InputName = input.Name,
                InputDims = inputDims,
            };
        }
    }
}
