using System.Globalization;
using System.Runtime.InteropServices;
using Tood.Realtime.Inference;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>
/// Writes a small but real ONNX detector that honours <see cref="ModelContract"/>: input uint8 [batch,H,W,3]
/// BGR, outputs boxes [batch,A,4] and scores [batch,A,K] over levels P3..P7 (strides 8..128, row-major,
/// anchor point (j·s, i·s)). Per level: average-pool the image by the stride, a 1×1 conv maps the mean BGR
/// colour to K class logits, sigmoid. Classes "red","green","blue" respond to saturated colour; each anchor's
/// box is centred on its anchor point with half-size s·(1 + 2·max score). So coloured rectangles in a test
/// video yield real, data-dependent detections through the same ORT path a trained model uses.
/// </summary>
internal static class ContractModelBuilder
{
    public static readonly string[] ClassNames = ["red", "green", "blue"];
    private static readonly int[] Strides = [8, 16, 32, 64, 128];

    /// <summary>Valid; NoMetadata; FloatNchwInput (wrong input); BFloat16Sigmoid: a valid graph with a bfloat16 Sigmoid,
    /// for which the CPU execution provider has no kernel.</summary>
    public enum Variant { Valid, NoMetadata, FloatNchwInput, BFloat16Sigmoid }

    public static void Write(string path, int size = 256, Variant variant = Variant.Valid)
    {
        int k = ClassNames.Length;
        var graph = new ProtoWriter().String(2, "tood_contract_test");
        var nodes = new List<ProtoWriter>();
        var inits = new List<ProtoWriter>();

        if (variant == Variant.FloatNchwInput)
        {
            graph.Message(11, ValueInfo(ModelContract.InputName, 1, [-1, 3, size, size]));
            nodes.Add(Node("Identity", [ModelContract.InputName], ["x_nchw"]));
        }
        else if (variant == Variant.BFloat16Sigmoid)
        {
            graph.Message(11, ValueInfo(ModelContract.InputName, 2, [-1, size, size, 3]));
            nodes.Add(Node("Cast", [ModelContract.InputName], ["x_h"], A.Int("to", 16)));
            nodes.Add(Node("Sigmoid", ["x_h"], ["x_hs"]));
            nodes.Add(Node("Cast", ["x_hs"], ["x_f"], A.Int("to", 1)));
            nodes.Add(Node("Transpose", ["x_f"], ["x_nchw"], A.Ints("perm", 0, 3, 1, 2)));
        }
        else
        {
            graph.Message(11, ValueInfo(ModelContract.InputName, 2, [-1, size, size, 3]));
            nodes.Add(Node("Cast", [ModelContract.InputName], ["x_f"], A.Int("to", 1)));
            nodes.Add(Node("Transpose", ["x_f"], ["x_nchw"], A.Ints("perm", 0, 3, 1, 2)));
        }

        // BGR weights per class (logit = w·mean_bgr + b).
        float[] w = [-0.05f, -0.05f, 0.1f, /*green*/ -0.05f, 0.1f, -0.05f, /*blue*/ 0.1f, -0.05f, -0.05f];
        float[] b = [-6f, -6f, -6f];
        inits.Add(Tensor("cls_w", [k, 3, 1, 1], w));
        inits.Add(Tensor("cls_b", [k], b));

        var levelScores = new List<string>();
        var centres = new List<float>();
        var scales = new List<float>();
        foreach (int s in Strides)
        {
            int h = (size + s - 1) / s;
            nodes.Add(Node("AveragePool", ["x_nchw"], [$"p{s}"], A.Ints("kernel_shape", s, s), A.Ints("strides", s, s), A.Int("ceil_mode", 1)));
            nodes.Add(Node("Conv", [$"p{s}", "cls_w", "cls_b"], [$"c{s}"]));
            nodes.Add(Node("Sigmoid", [$"c{s}"], [$"s{s}"]));
            nodes.Add(Node("Reshape", [$"s{s}", "shape_nk_1"], [$"r{s}"]));
            levelScores.Add($"r{s}");
            for (int i = 0; i < h; i++)
                for (int j = 0; j < h; j++)
                {
                    centres.AddRange([j * s, i * s, j * s, i * s]);
                    scales.Add(2f * s);
                }
        }
        int anchors = scales.Count;
        inits.Add(Tensor("shape_nk_1", [3], new long[] { 0, k, -1 }));
        nodes.Add(Node("Concat", [.. levelScores], ["scores_nka"], A.Int("axis", 2)));
        nodes.Add(Node("Transpose", ["scores_nka"], [ModelContract.ScoresName], A.Ints("perm", 0, 2, 1)));

        // boxes = centre + (s·(1 + 2·maxscore)) · (-1,-1,1,1)
        inits.Add(Tensor("centres", [1, anchors, 4], [.. centres]));
        inits.Add(Tensor("two_s", [1, anchors, 1], [.. scales]));
        inits.Add(Tensor("s_", [1, anchors, 1], scales.Select(x => x / 2).ToArray()));
        inits.Add(Tensor("signs", [1, 1, 4], [-1f, -1f, 1f, 1f]));
        nodes.Add(Node("ReduceMax", [ModelContract.ScoresName], ["smax"], A.Ints("axes", 2), A.Int("keepdims", 1)));
        nodes.Add(Node("Mul", ["smax", "two_s"], ["grow"]));
        nodes.Add(Node("Add", ["grow", "s_"], ["half"]));
        nodes.Add(Node("Mul", ["half", "signs"], ["delta"]));
        nodes.Add(Node("Add", ["centres", "delta"], [ModelContract.BoxesName]));

        foreach (var n in nodes) graph.Message(1, n);
        foreach (var t in inits) graph.Message(5, t);
        graph.Message(12, ValueInfo(ModelContract.BoxesName, 1, [-1, anchors, 4]));
        graph.Message(12, ValueInfo(ModelContract.ScoresName, 1, [-1, anchors, k]));

        var model = new ProtoWriter().Int(1, 8).String(2, "tood-tests").Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int(2, 17));
        if (variant != Variant.NoMetadata)
        {
            var meta = new Dictionary<string, string>
            {
                [ModelContract.Keys.FormatVersion] = ModelContract.FormatVersion,
                [ModelContract.Keys.ClassNames] = "[\"red\",\"green\",\"blue\"]",
                [ModelContract.Keys.CategoryIds] = "[1,2,3]",
                [ModelContract.Keys.InputWidth] = size.ToString(CultureInfo.InvariantCulture),
                [ModelContract.Keys.InputHeight] = size.ToString(CultureInfo.InvariantCulture),
                [ModelContract.Keys.Strides] = "8,16,32,64,128",
                [ModelContract.Keys.NumClasses] = "3",
                [ModelContract.Keys.Preset] = "test-colour",
                [ModelContract.Keys.BatchMode] = "dynamic",
                [ModelContract.Keys.Letterbox] = "top-left;pad=104,116,124",
            };
            foreach (var (key, value) in meta) model.Message(14, new ProtoWriter().String(1, key).String(2, value));
        }
        File.WriteAllBytes(path, model.ToArray());
    }

    private static ProtoWriter Node(string op, string[] inputs, string[] outputs, params ProtoWriter[] attrs)
    {
        var n = new ProtoWriter();
        foreach (var i in inputs) n.String(1, i);
        foreach (var o in outputs) n.String(2, o);
        n.String(3, $"{op}_{outputs[0]}").String(4, op);
        foreach (var a in attrs) n.Message(5, a);
        return n;
    }

    private static class A
    {
        public static ProtoWriter Int(string name, long v) => new ProtoWriter().String(1, name).Int(3, v).Int(20, 2);
        public static ProtoWriter Ints(string name, params long[] v)
        {
            var a = new ProtoWriter().String(1, name);
            foreach (var x in v) a.Int(8, x);
            return a.Int(20, 7);
        }
    }

    private static ProtoWriter Tensor(string name, long[] dims, float[] data)
    {
        var t = new ProtoWriter();
        foreach (var d in dims) t.Int(1, d);
        t.Int(2, 1).String(8, name).Bytes(9, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        return t;
    }

    private static ProtoWriter Tensor(string name, long[] dims, long[] data)
    {
        var t = new ProtoWriter();
        foreach (var d in dims) t.Int(1, d);
        t.Int(2, 7).String(8, name).Bytes(9, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        return t;
    }

    private static ProtoWriter ValueInfo(string name, int elemType, long[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var d in dims)
            shape.Message(1, d < 0 ? new ProtoWriter().String(2, "batch") : new ProtoWriter().Int(1, d));
        var tensorType = new ProtoWriter().Int(1, elemType).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }
}
