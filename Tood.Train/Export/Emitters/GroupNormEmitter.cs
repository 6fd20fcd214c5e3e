using static TorchSharp.torch;

namespace Tood.Train.Export.Emitters;

/// <summary>
/// GroupNorm as Reshape [N,G,−1] → InstanceNormalization (unit scale, zero bias) → Reshape [N,C,H,W] →
/// per-channel Mul γ / Add β. InstanceNormalization normalises each (n, g) row over its C/G·H·W values,
/// which is exactly GroupNorm's statistics (biased variance, ε inside the sqrt). It is one fused kernel on
/// both ORT CPU and DirectML (mean-variance normalisation), so it is more robust in fp16 than an
/// explicit ReduceMean/Sub/Mul/Sqrt/Div chain, and it is how PyTorch itself exports GroupNorm before opset 18
/// (opset 18's GroupNormalization was redefined in 21 and is not implemented everywhere).
/// </summary>
internal static class GroupNormEmitter
{
    public static string GroupNorm(this OnnxGraphBuilder g, string x, string weightName, Tensor gamma, Tensor beta,
        long groups, double eps, long channels, long height, long width)
    {
        if (channels % groups != 0) throw new ArgumentException($"{weightName}: {channels} channels not divisible by {groups} groups");
        var unitScale = g.Weight($"const.ones_{groups}", Enumerable.Repeat(1f, (int)groups).ToArray(), groups);
        var zeroBias = g.Weight($"const.zeros_{groups}", new float[groups], groups);
        var grouped = g.Reshape(x, [0, groups, -1], weightName + ".grouped");
        var normed = g.Node("InstanceNormalization", [grouped, unitScale, zeroBias], weightName + ".normed",
            OnnxAttr.Float("epsilon", (float)eps));
        var back = g.Reshape(normed, [0, channels, height, width], weightName + ".ungrouped");
        var scaled = g.Mul(back, g.Weight(weightName + ".weight", gamma.reshape(channels, 1, 1)), weightName + ".scaled");
        return g.Add(scaled, g.Weight(weightName + ".bias", beta.reshape(channels, 1, 1)), weightName);
    }
}
