using Tood.Train.Common;
using Tood.Train.Export.Onnx;

namespace Tood.Train.Pretrained.Onnx;

/// <summary>
/// The input convention of the ML.NET DnnImageFeaturizer models, read from their <c>ResNetPreprocess.onnx</c>:
/// the image arrives as RGB 0–255 [1,3,H,W], is split into channels and concatenated in reverse order (BGR),
/// and a constant mean image [1,3,H,W] (<c>MeanImage</c>, 224×224) is subtracted. The graph is checked node by
/// node (Split → reversed Concat → Sub of a constant), so a different preprocessing is refused, not guessed.
/// </summary>
internal sealed record CntkPreprocess(float[] MeanImageBgr, int Height, int Width)
{
    /// <summary>Spatial average of the mean image per BGR channel (≈ 103.1, 115.9, 123.2 for the ResNet-18 file).</summary>
    public double[] ChannelMeanBgr()
    {
        int plane = Height * Width;
        return [.. Enumerable.Range(0, 3).Select(c => MeanImageBgr.AsSpan(c * plane, plane).ToArray().Average(v => (double)v))];
    }

    public static CntkPreprocess Read(string path)
    {
        var g = OnnxTensors.ReadModel(path).Graph;
        string file = Path.GetFileName(path);
        WeightsException Fail(string m) => new($"{file}: {m} (expected Split → Concat in reverse order → Sub of a constant mean image)");
        var inits = g.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var split = g.Node.FirstOrDefault(n => n.OpType == "Split") ?? throw Fail("no Split node");
        var concat = g.Node.FirstOrDefault(n => n.OpType == "Concat") ?? throw Fail("no Concat node");
        var sub = g.Node.FirstOrDefault(n => n.OpType == "Sub") ?? throw Fail("no Sub node");
        if (g.Node.Count != 3 || split.Output.Count != 3 || OnnxTensors.Int(split, "axis", 0) != 1 || OnnxTensors.Int(concat, "axis", 0) != 1)
            throw Fail($"unexpected graph ({string.Join(" → ", g.Node.Select(n => n.OpType))})");
        if (!concat.Input.SequenceEqual(split.Output.Reverse()))
            throw Fail("Concat does not reverse the channel order (RGB → BGR)");
        if (sub.Input.Count != 2 || sub.Input[0] != concat.Output[0] || !inits.TryGetValue(sub.Input[1], out var mean))
            throw Fail("Sub does not subtract a constant from the BGR image");
        if (mean.Dims.Count != 4 || mean.Dims[0] != 1 || mean.Dims[1] != 3)
            throw Fail($"mean image has dims {Shapes.FormatDims(mean.Dims)}, expected [1,3,H,W]");
        return new CntkPreprocess(OnnxTensors.Floats(mean, path), (int)mean.Dims[2], (int)mean.Dims[3]);
    }
}
