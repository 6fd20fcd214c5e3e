using static TorchSharp.torch;

namespace Tood.Train.Export.Emitters;

/// <summary>
/// Task decomposition's layer attention (spec §2.2 step 3): w = σ(fc2(relu(fc1(pooled)))) ∈ [N,L,1,1],
/// X_task = concat_k(w_k · X_k). X_inter is viewed as [N, L, C, H, W] so each C-channel block is scaled by
/// its own per-image scalar, then viewed back as [N, L·C, H, W]. The reduction conv/GN/ReLU that follows
/// is emitted by the caller.
/// </summary>
internal static class LayerAttentionEmitter
{
    /// <param name="pooled">GlobalAveragePool(X_inter), [N, L·C, 1, 1] (computed once, shared by both decompositions).</param>
    /// <param name="fc1Weight">[L·C/r, L·C, 1, 1] or [L·C/r, L·C] (Linear form).</param>
    /// <param name="fc2Weight">[L, L·C/r, 1, 1] or [L, L·C/r].</param>
    public static string LayerAttention(this OnnxGraphBuilder g, string xInter, string pooled, string weightName,
        Tensor fc1Weight, Tensor fc1Bias, Tensor fc2Weight, Tensor fc2Bias,
        long layers, long channelsPerLayer, long height, long width)
    {
        var h = g.Relu(g.Conv(pooled, weightName + ".la_conv1", As1x1(fc1Weight), fc1Bias, hint: weightName + ".fc1"), weightName + ".fc1_relu");
        var w = g.Sigmoid(g.Conv(h, weightName + ".la_conv2", As1x1(fc2Weight), fc2Bias, hint: weightName + ".fc2"), weightName + ".layer_weights");
        var w5 = g.Reshape(w, [0, layers, 1, 1, 1], weightName + ".layer_weights5");
        var x5 = g.Reshape(xInter, [0, layers, channelsPerLayer, height, width], weightName + ".x5");
        var weighted = g.Mul(x5, w5, weightName + ".weighted5");
        return g.Reshape(weighted, [0, layers * channelsPerLayer, height, width], weightName + ".x_task");
    }

    private static Tensor As1x1(Tensor w) => w.dim() == 4 ? w : w.reshape(w.shape[0], w.shape[1], 1, 1);
}
