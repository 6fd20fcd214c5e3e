using Tood.Train.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// Backbone (ResNet) → FPN (P3..P7) → dense head (T-Head or parallel), spec §1.
/// Input: float32 [B,3,H,W] RGB normalised with the ImageNet mean/std; H, W ideally multiples of 32.
/// State-dict keys: <c>backbone.*</c> (torchvision names), <c>neck.*</c>, <c>bbox_head.*</c> (mmdet names).
/// </summary>
public sealed class ToodDetector : nn.Module<Tensor, DetectorOutput>
{
    private readonly ResNet backbone;
    private readonly Fpn neck;
    private readonly nn.Module<Tensor[], DetectorOutput> bbox_head;

    public ModelConfig Config { get; }
    public IReadOnlyList<int> Strides => Config.Strides;
    public int NumClasses => Config.NumClasses;
    public HeadKind Head => Config.Head;

    public ResNet Backbone => backbone;
    public Fpn Neck => neck;
    public nn.Module<Tensor[], DetectorOutput> BboxHead => bbox_head;

    public ToodDetector(ModelConfig config) : base(nameof(ToodDetector))
    {
        config.Validate();
        Config = config;
        backbone = new ResNet(config);
        neck = new Fpn(config.BackboneOutChannels(), config.FpnChannels);
        bbox_head = config.Head == HeadKind.TaskAligned ? new THead(config) : new ParallelHead(config);
        RegisterComponents();
    }

    public static ToodDetector Create(string preset, int numClasses, HeadKind head = HeadKind.TaskAligned) =>
        new(ModelPresets.Get(preset, numClasses, head));

    public override DetectorOutput forward(Tensor images)
    {
        if (!Shapes.Matches(images, "B", 3, "H", "W"))
            throw new ArgumentException($"expected images [B,3,H,W], got {Shapes.Format(images)}");
        using var scope = torch.NewDisposeScope();
        var feats = neck.forward(backbone.forward(images));
        return bbox_head.forward(feats).MoveToOuterDisposeScope();
    }

    /// <summary>Parameter counts (all parameters, trainable or frozen).</summary>
    public ParameterCounts CountParameters() => new(
        Count(backbone), Count(neck), Count(bbox_head));

    /// <summary>Number of parameters with requires_grad = true.</summary>
    public long TrainableParameters() => parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    private static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());
}

/// <summary>Parameter counts per part of the detector.</summary>
public readonly record struct ParameterCounts(long Backbone, long Neck, long Head)
{
    public long Total => Backbone + Neck + Head;
}
