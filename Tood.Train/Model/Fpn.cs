using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// mmdet FPN with start_level=1, num_outs=5, add_extra_convs='on_output', no ReLU before the extra
/// convs (spec §1.2). Input [C3, C4, C5] → output [P3..P7].
/// Keys: <c>lateral_convs.{0..2}.conv</c>, <c>fpn_convs.{0..4}.conv</c> (3 and 4 are the P6/P7 convs).
/// </summary>
public sealed class Fpn : nn.Module<Tensor[], Tensor[]>
{
    private readonly ModuleList<ConvModule> lateral_convs = new();
    private readonly ModuleList<ConvModule> fpn_convs = new();

    public int OutChannels { get; }

    public Fpn(IReadOnlyList<int> inChannels, int outChannels) : base(nameof(Fpn))
    {
        if (inChannels.Count != 3) throw new ArgumentException("FPN expects C3, C4, C5");
        foreach (var c in inChannels) lateral_convs.Add(new ConvModule(c, outChannels, 1));
        for (int i = 0; i < 3; i++) fpn_convs.Add(new ConvModule(outChannels, outChannels, 3));
        // P6 from the P5 *output*, P7 from P6, both 3×3 stride 2 (spec §1.2).
        fpn_convs.Add(new ConvModule(outChannels, outChannels, 3, stride: 2));
        fpn_convs.Add(new ConvModule(outChannels, outChannels, 3, stride: 2));
        OutChannels = outChannels;
        RegisterComponents();
        foreach (var m in lateral_convs) Init.XavierUniform(m.Conv);
        foreach (var m in fpn_convs) Init.XavierUniform(m.Conv);
    }

    public override Tensor[] forward(Tensor[] c)
    {
        using var scope = torch.NewDisposeScope();
        var lat = new Tensor[3];
        for (int i = 0; i < 3; i++) lat[i] = lateral_convs[i].forward(c[i]);
        // Top-down: nearest upsample to the exact size of the finer map (not ×2: odd sizes).
        for (int i = 2; i > 0; i--)
        {
            var size = new[] { lat[i - 1].shape[2], lat[i - 1].shape[3] };
            lat[i - 1] = lat[i - 1] + nn.functional.interpolate(lat[i], size: size, mode: InterpolationMode.Nearest);
        }
        var outs = new Tensor[5];
        for (int i = 0; i < 3; i++) outs[i] = fpn_convs[i].forward(lat[i]);
        outs[3] = fpn_convs[3].forward(outs[2]);
        outs[4] = fpn_convs[4].forward(outs[3]);
        foreach (var o in outs) o.MoveToOuterDisposeScope();
        return outs;
    }
}
