using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// ATSS-style parallel baseline head (PAPER Table 1 "parallel head"): separate cls and reg towers of
/// N × (conv3×3 + GN + ReLU), atss_cls (σ → score), atss_reg (dist = scale·exp(reg), anchor-free decode
/// like the T-Head), atss_centerness (logits) from the reg tower. No alignment.
/// Keys (mmdet ATSSHead): cls_convs.{k}.conv/.gn, reg_convs.{k}.conv/.gn, atss_cls, atss_reg,
/// atss_centerness, scales.{l}.scale.
/// </summary>
public sealed class ParallelHead : nn.Module<Tensor[], DetectorOutput>
{
    private readonly ModuleList<ConvModule> cls_convs = new();
    private readonly ModuleList<ConvModule> reg_convs = new();
    private readonly Conv2d atss_cls, atss_reg, atss_centerness;
    private readonly ModuleList<Scale> scales = new();
    private readonly int[] _strides;

    public ParallelHead(ModelConfig cfg) : base(nameof(ParallelHead))
    {
        int c = cfg.FpnChannels;
        for (int k = 0; k < cfg.StackedConvs; k++)
        {
            cls_convs.Add(new ConvModule(c, c, 3, gnGroups: cfg.GnGroups, relu: true));
            reg_convs.Add(new ConvModule(c, c, 3, gnGroups: cfg.GnGroups, relu: true));
        }
        atss_cls = nn.Conv2d(c, cfg.NumClasses, 3, padding: 1);
        atss_reg = nn.Conv2d(c, 4, 3, padding: 1);
        atss_centerness = nn.Conv2d(c, 1, 3, padding: 1);
        foreach (var _ in cfg.Strides) scales.Add(new Scale(1.0));
        _strides = [.. cfg.Strides];
        RegisterComponents();

        // mmdet ATSSHead init: N(0, 0.01) everywhere, cls bias from the prior.
        foreach (var m in cls_convs) Init.Normal(m.Conv, 0.01);
        foreach (var m in reg_convs) Init.Normal(m.Conv, 0.01);
        Init.Normal(atss_cls, 0.01, Init.PriorBias(cfg.PriorProb));
        Init.Normal(atss_reg, 0.01);
        Init.Normal(atss_centerness, 0.01);
    }

    public override DetectorOutput forward(Tensor[] feats)
    {
        var scores = new List<Tensor>(feats.Length);
        var boxes = new List<Tensor>(feats.Length);
        var centerness = new List<Tensor>(feats.Length);
        for (int l = 0; l < feats.Length; l++)
        {
            using var scope = torch.NewDisposeScope();
            Tensor cls = feats[l], reg = feats[l];
            foreach (var m in cls_convs) cls = m.forward(cls);
            foreach (var m in reg_convs) reg = m.forward(reg);
            scores.Add(ChannelPaddedConv.Forward(atss_cls, cls).sigmoid().MoveToOuterDisposeScope());
            var dist = scales[l].forward(ChannelPaddedConv.Forward(atss_reg, reg).exp());
            boxes.Add(HeadMath.DistanceToBoxes(dist).MoveToOuterDisposeScope());
            centerness.Add(ChannelPaddedConv.Forward(atss_centerness, reg).MoveToOuterDisposeScope());
        }
        return new DetectorOutput(scores, boxes, centerness, _strides[..feats.Length], HeadKind.Parallel);
    }
}
