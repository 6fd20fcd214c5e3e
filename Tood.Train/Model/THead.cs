using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// The T-Head (spec §2.1 layers/init, §2.2 forward), shared across P3..P7 with one <see cref="Scale"/>
/// per level. Works for any width C (divisible by 8 and by the GN groups) and any stacked-conv count N.
/// Keys (mmdet TOODHead, under <c>bbox_head.</c>): inter_convs.{k}.conv/.gn, cls_decomp.*, reg_decomp.*,
/// tood_cls, tood_reg, cls_prob_module.{0,2}, reg_offset_module.{0,2}, scales.{l}.scale.
/// </summary>
public sealed class THead : nn.Module<Tensor[], DetectorOutput>
{
    private readonly ModuleList<ConvModule> inter_convs = new();
    private readonly TaskDecomposition cls_decomp, reg_decomp;
    private readonly Conv2d tood_cls, tood_reg;
    private readonly Sequential cls_prob_module, reg_offset_module;
    // The Sequentials' convs, held in a tuple so RegisterComponents does not register them a second time.
    private readonly (Conv2d Prob1, Conv2d Prob2, Conv2d Off1, Conv2d Off2) _seq;
    private readonly ModuleList<Scale> scales = new();
    private readonly int[] _strides;
    private readonly bool _replaceInverted;

    public THead(ModelConfig cfg) : base(nameof(THead))
    {
        int c = cfg.FpnChannels, n = cfg.StackedConvs;
        for (int k = 0; k < n; k++) inter_convs.Add(new ConvModule(c, c, 3, gnGroups: cfg.GnGroups, relu: true));
        cls_decomp = new TaskDecomposition(c, n, cfg.GnGroups);
        reg_decomp = new TaskDecomposition(c, n, cfg.GnGroups);
        tood_cls = nn.Conv2d(c, cfg.NumClasses, 3, padding: 1);
        tood_reg = nn.Conv2d(c, 4, 3, padding: 1);
        var prob1 = nn.Conv2d(c * n, c / 4, 1);
        var prob2 = nn.Conv2d(c / 4, 1, 3, padding: 1);
        cls_prob_module = nn.Sequential(("0", prob1), ("1", nn.ReLU()), ("2", prob2));
        var off1 = nn.Conv2d(c * n, c / 4, 1);
        var off2 = nn.Conv2d(c / 4, 8, 3, padding: 1);
        reg_offset_module = nn.Sequential(("0", off1), ("1", nn.ReLU()), ("2", off2));
        _seq = (prob1, prob2, off1, off2);
        foreach (var _ in cfg.Strides) scales.Add(new Scale(1.0));
        _strides = [.. cfg.Strides];
        _replaceInverted = cfg.ReplaceInvertedBoxes;
        RegisterComponents();

        // spec §2.1 init table
        double biasCls = Init.PriorBias(cfg.PriorProb);
        foreach (var m in inter_convs) Init.Normal(m.Conv, 0.01);
        Init.Normal(prob1, 0.01);
        Init.Normal(prob2, 0.01, biasCls);
        Init.Normal(off1, 0.001);
        Init.Normal(off2, 0.001);
        Init.Normal(tood_cls, 0.01, biasCls);
        Init.Normal(tood_reg, 0.01);
    }

    public override DetectorOutput forward(Tensor[] feats)
    {
        var scores = new List<Tensor>(feats.Length);
        var boxes = new List<Tensor>(feats.Length);
        for (int l = 0; l < feats.Length; l++)
        {
            var (s, b) = ForwardLevel(feats[l], scales[l]);
            scores.Add(s);
            boxes.Add(b);
        }
        return new DetectorOutput(scores, boxes, null, _strides[..feats.Length], HeadKind.TaskAligned);
    }

    // spec §2.2 steps 1-6 for one level. X_inter (the N inter-conv outputs, layer-major) is never concatenated:
    // every consumer is linear in it (pooling, the folded decompositions, the 1×1 convs of the prob and offset
    // modules), so each takes the N layers, and backward keeps no N·C×H×W copy.
    private (Tensor Score, Tensor Box) ForwardLevel(Tensor x, Scale scale)
    {
        using var scope = torch.NewDisposeScope();
        var inter = new Tensor[inter_convs.Count];
        var y = x;
        for (int k = 0; k < inter.Length; k++) inter[k] = y = inter_convs[k].forward(y);
        var avg = torch.cat([.. inter.Select(t => nn.functional.adaptive_avg_pool2d(t, [1, 1]))], 1);
        var clsFeat = cls_decomp.ForwardLayers(inter, avg);
        var regFeat = reg_decomp.ForwardLayers(inter, avg);

        // Predictor convs with few output channels go through ChannelPaddedConv (oneDNN NaN workaround;
        // the cls_prob_module / reg_offset_module Sequentials are applied by hand for that reason).
        var prob = ChannelPaddedConv.Forward(_seq.Prob2, StackedConv1x1(_seq.Prob1, inter).relu_());      // cls_prob_module
        var score = HeadMath.SigmoidGeometricMean(ChannelPaddedConv.Forward(tood_cls, clsFeat), prob);

        var dist = scale.forward(ChannelPaddedConv.Forward(tood_reg, regFeat).exp());  // exp first, then the scalar
        var regBox = HeadMath.DistanceToBoxes(dist);
        var offsets = ChannelPaddedConv.Forward(_seq.Off2, StackedConv1x1(_seq.Off1, inter).relu_());    // reg_offset_module
        var aligned = BoxAlignment.Sample(regBox, offsets);
        if (_replaceInverted) aligned = BoxAlignment.ReplaceInverted(aligned, regBox);
        return (score.MoveToOuterDisposeScope(), aligned.MoveToOuterDisposeScope());
    }

    /// <summary>A 1×1 conv over the concatenation of <paramref name="layers"/>, as Σ_k conv(layer_k, W[:, k·C:(k+1)·C]) + b.</summary>
    private static Tensor StackedConv1x1(Conv2d conv, IReadOnlyList<Tensor> layers)
    {
        using var scope = torch.NewDisposeScope();
        long c = layers[0].shape[1];
        Tensor? y = null;
        for (int k = 0; k < layers.Count; k++)
        {
            var part = nn.functional.conv2d(layers[k], conv.weight!.narrow(1, k * c, c), k == 0 ? conv.bias : null);
            y = y is null ? part : y.add_(part);
        }
        return y!.MoveToOuterDisposeScope();
    }
}
