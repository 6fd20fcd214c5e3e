using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>torchvision BasicBlock (ResNet-18/34). Keys: conv1, bn1, conv2, bn2, [downsample.0/.1].</summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 1;
    private readonly Conv2d conv1, conv2;
    private readonly BatchNorm2d bn1, bn2;
    private readonly Sequential? downsample;

    public BasicBlock(long inplanes, long planes, long stride, Sequential? downsample) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inplanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = bn1.forward(ChannelPaddedConv.Forward(conv1, x)).relu_();
        y = bn2.forward(ChannelPaddedConv.Forward(conv2, y));
        var identity = downsample is null ? x : downsample.forward(x);
        return y.add_(identity).relu_().MoveToOuterDisposeScope();
    }
}

/// <summary>
/// torchvision Bottleneck, "pytorch" style: the stride is on the 3×3 conv (spec §1.1).
/// Keys: conv1, bn1, conv2, bn2, conv3, bn3, [downsample.0/.1].
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;
    private readonly Conv2d conv1, conv2, conv3;
    private readonly BatchNorm2d bn1, bn2, bn3;
    private readonly Sequential? downsample;

    public Bottleneck(long inplanes, long planes, long stride, Sequential? downsample) : base(nameof(Bottleneck))
    {
        conv1 = nn.Conv2d(inplanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(planes * Expansion);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = bn1.forward(conv1.forward(x)).relu_();
        y = bn2.forward(ChannelPaddedConv.Forward(conv2, y)).relu_();
        y = bn3.forward(conv3.forward(y));
        var identity = downsample is null ? x : downsample.forward(x);
        return y.add_(identity).relu_().MoveToOuterDisposeScope();
    }
}

/// <summary>
/// torchvision-layout ResNet without avgpool/fc (spec §1.1). Submodule names equal torchvision's
/// (conv1, bn1, layer1..layer4 → "{i}.conv1" …) so torchvision / MMDetection state dicts map 1:1
/// under the <c>backbone.</c> prefix. Returns [C3, C4, C5] (C2 is computed but not returned: the FPN
/// uses start_level=1).
/// <para>Training policy (mmdet): stages ≤ <see cref="ModelConfig.FrozenStages"/> get requires_grad=false
/// and stay in eval mode; with <see cref="ModelConfig.NormEval"/> every BN stays in eval mode; with
/// <see cref="ModelConfig.FreezeNormAffine"/> every BN's γ/β also gets requires_grad=false.</para>
/// </summary>
public sealed class ResNet : nn.Module<Tensor, Tensor[]>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly int _frozenStages;
    private readonly bool _normEval;

    public int[] OutChannels { get; }

    /// <summary>The architecture this backbone was built from (weight importers check their layout against it).</summary>
    public ModelConfig Config { get; }

    public ResNet(ModelConfig cfg) : base(nameof(ResNet))
    {
        Config = cfg;
        conv1 = nn.Conv2d(3, cfg.StemWidth, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(cfg.StemWidth);
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        long inplanes = cfg.StemWidth;
        int expansion = cfg.Block == BlockKind.Bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        var layers = new Sequential[4];
        for (int s = 0; s < 4; s++)
        {
            long planes = (long)cfg.BaseWidth << s;
            long stride = s == 0 ? 1 : 2;
            var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int b = 0; b < cfg.Layers[s]; b++)
            {
                Sequential? down = null;
                if (b == 0 && (stride != 1 || inplanes != planes * expansion))
                {
                    down = nn.Sequential(
                        ("0", nn.Conv2d(inplanes, planes * expansion, 1, stride: stride, bias: false)),
                        ("1", nn.BatchNorm2d(planes * expansion)));
                }
                long st = b == 0 ? stride : 1;
                nn.Module<Tensor, Tensor> block = cfg.Block == BlockKind.Bottleneck
                    ? new Bottleneck(inplanes, planes, st, down)
                    : new BasicBlock(inplanes, planes, st, down);
                blocks.Add((b.ToString(System.Globalization.CultureInfo.InvariantCulture), block));
                inplanes = planes * expansion;
            }
            layers[s] = nn.Sequential(blocks);
        }
        (layer1, layer2, layer3, layer4) = (layers[0], layers[1], layers[2], layers[3]);
        OutChannels = cfg.BackboneOutChannels();
        _frozenStages = cfg.FrozenStages;
        _normEval = cfg.NormEval;
        RegisterComponents();
        InitWeights();
        FreezeStages();
    }

    // torchvision init: kaiming_normal_(fan_out, relu) for convs; BN γ=1, β=0 (module defaults).
    private void InitWeights()
    {
        using var _ = torch.no_grad();
        foreach (var m in modules())
            if (m is Conv2d c) nn.init.kaiming_normal_(c.weight!, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
    }

    private IEnumerable<nn.Module> FrozenModules()
    {
        if (_frozenStages >= 0) { yield return conv1; yield return bn1; }
        var layers = new[] { layer1, layer2, layer3, layer4 };
        for (int s = 1; s <= Math.Min(_frozenStages, 4); s++) yield return layers[s - 1];
    }

    private void FreezeStages()
    {
        foreach (var m in FrozenModules())
            foreach (var p in m.parameters()) p.requires_grad = false;
        if (Config.FreezeNormAffine)
            foreach (var m in modules())
                if (m is BatchNorm2d bn)
                    foreach (var p in bn.parameters()) p.requires_grad = false;
    }

    /// <summary>Re-applies mmdet's frozen_stages / norm_eval after switching to train mode.</summary>
    public override void train(bool train = true)
    {
        base.train(train);
        if (!train) return;
        foreach (var m in FrozenModules()) m.eval();
        if (_normEval)
            foreach (var m in modules())
                if (m is BatchNorm2d bn) bn.eval();
    }

    /// <summary>Same values with NHWC strides (TorchSharp has no memory_format argument; libtorch infers
    /// the format from the strides and keeps it through conv, batch norm and pooling).</summary>
    internal static Tensor ToChannelsLast(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    public override Tensor[] forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        // CPU: the stem runs on channels-last (NHWC-strided) tensors, because libtorch's CPU max-pool is
        // ~17× faster there (1.8 vs 30 ms at [16,16,128,128]); back to NCHW before layer1, since oneDNN's
        // channels-last 1×1 convs with ≥ 1024 output channels crash (integer divide error) in this libtorch.
        bool cpu = x.device_type == DeviceType.CPU;
        var stem = bn1.forward(ChannelPaddedConv.Forward(conv1, cpu ? ToChannelsLast(x) : x)).relu_();
        var y = maxpool.forward(stem);
        if (cpu) y = y.contiguous();
        var c2 = layer1.forward(y);
        var c3 = layer2.forward(c2);
        var c4 = layer3.forward(c3);
        var c5 = layer4.forward(c4);
        return [c3.MoveToOuterDisposeScope(), c4.MoveToOuterDisposeScope(), c5.MoveToOuterDisposeScope()];
    }
}
