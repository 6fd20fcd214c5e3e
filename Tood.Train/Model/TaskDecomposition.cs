using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// T-Head task decomposition (spec §2.2 step 3, PAPER Eq.2-4): layer attention w = σ(fc2(relu(fc1(x̄))))
/// over the N stacked-conv blocks, scale each C-channel block of X_inter by its w_k, then
/// 1×1 reduction conv + GN + ReLU. fc1 width = C·N / (8N) = C/8 (mmdet la_down_rate = 8·N).
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
    public override Tensor forward(Tensor feat, Tensor avgFeat)
    {
        using var scope = torch.NewDisposeScope();
        long b = feat.shape[0], h = feat.shape[2], w = feat.shape[3];
        var weight = layer_attention.forward(avgFeat).view(b, _stacked, 1, 1, 1);
        var scaled = (feat.view(b, _stacked, _channels, h, w) * weight).view(b, (long)_stacked * _channels, h, w);
        return reduction_conv.forward(scaled).MoveToOuterDisposeScope();
    }
}
