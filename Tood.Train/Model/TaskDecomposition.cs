using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// T-Head task decomposition (spec §2.2 step 3, PAPER Eq.2-4): layer attention w = σ(fc2(relu(fc1(x̄))))
/// over the N stacked-conv blocks, scale each C-channel block of X_inter by its w_k, then
/// 1×1 reduction conv + GN + ReLU (computed in the official folded form, see <see cref="forward"/>). fc1 width = C·N / (8N) = C/8 (mmdet la_down_rate = 8·N).
/// Keys: <c>layer_attention.0</c> (fc1), <c>layer_attention.2</c> (fc2), <c>reduction_conv.conv</c>,
/// <c>reduction_conv.gn</c>.
/// </summary>
public sealed class TaskDecomposition : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Sequential layer_attention;
    private readonly ConvModule reduction_conv;
    private readonly int _channels, _stacked;

    public TaskDecomposition(int featChannels, int stackedConvs, int gnGroups) : base(nameof(TaskDecomposition))
    {
        int inChannels = featChannels * stackedConvs;
        int laDownRate = stackedConvs * 8;
        var fc1 = nn.Conv2d(inChannels, inChannels / laDownRate, 1);
        var fc2 = nn.Conv2d(inChannels / laDownRate, stackedConvs, 1);
        layer_attention = nn.Sequential(("0", fc1), ("1", nn.ReLU()), ("2", fc2), ("3", nn.Sigmoid()));
        reduction_conv = new ConvModule(inChannels, featChannels, 1, gnGroups: gnGroups, relu: true);
        _channels = featChannels;
        _stacked = stackedConvs;
        RegisterComponents();
        Init.Normal(fc1, 0.001);
        Init.Normal(fc2, 0.001);
        Init.Normal(reduction_conv.Conv, 0.01);
    }

    /// <param name="feat">X_inter [B, N·C, H, W] (layer-major channel order).</param>
    /// <param name="avgFeat">Global average pool of X_inter [B, N·C, 1, 1] (shared by both tasks).</param>
    public override Tensor forward(Tensor feat, Tensor avgFeat) =>
        ForwardLayers(feat.split(_channels, 1), avgFeat);

    /// <summary>
    /// The official folded form (mmdet TaskDecomposition): instead of scaling X_inter (a new N·C×H×W tensor per
    /// task that backward keeps) and then convolving, the attention w is folded into the 1×1 reduction weight,
    /// W'_b[o, k·C + c] = W[o, k·C + c]·w_b[k], and applied as batched matmuls over the pixels. Taking the N
    /// layers separately (Σ_k W'_b,k·X_k) also spares the concatenated X_inter, which backward would keep.
    /// Same function, reassociated sums.
    /// </summary>
    /// <param name="layers">The N inter-conv outputs [B, C, H, W], in order (X_inter without the concatenation).</param>
    /// <param name="avgFeat">Global average pool of X_inter [B, N·C, 1, 1].</param>
    public Tensor ForwardLayers(IReadOnlyList<Tensor> layers, Tensor avgFeat)
    {
        if (layers.Count != _stacked) throw new ArgumentException($"expected {_stacked} layers, got {layers.Count}", nameof(layers));
        using var scope = torch.NewDisposeScope();
        long b = layers[0].shape[0], h = layers[0].shape[2], w = layers[0].shape[3];
        var attention = layer_attention.forward(avgFeat).view(b, 1, _stacked, 1);           // [B,1,N,1]
        var conv = reduction_conv.Conv;
        var folded = conv.weight!.view(1, _channels, _stacked, _channels) * attention;     // [B,C,N,C]
        Tensor? y = null;
        for (int k = 0; k < _stacked; k++)
        {
            var weightK = folded.select(2, k);                                               // [B,C,C]
            var x = layers[k].reshape(b, _channels, h * w);
            var part = torch.bmm(weightK, x);
            y = y is null ? part : y.add_(part);   // bmm keeps its inputs for backward, not its output
        }
        var output = y!.view(b, _channels, h, w);
        if (conv.bias is { } bias) output = output + bias.view(1, _channels, 1, 1);
        return reduction_conv.Activate(output).MoveToOuterDisposeScope();
    }

    /// <summary>The unfolded form (scale each C-channel block of X_inter by w_k, then the 1×1 conv): the
    /// reference the folded <see cref="forward"/> is tested against.</summary>
    internal Tensor ForwardUnfolded(Tensor feat, Tensor avgFeat)
    {
        using var scope = torch.NewDisposeScope();
        long b = feat.shape[0], h = feat.shape[2], w = feat.shape[3];
        var weight = layer_attention.forward(avgFeat).view(b, _stacked, 1, 1, 1);
        var scaled = (feat.view(b, _stacked, _channels, h, w) * weight).view(b, (long)_stacked * _channels, h, w);
        return reduction_conv.forward(scaled).MoveToOuterDisposeScope();
    }
}
