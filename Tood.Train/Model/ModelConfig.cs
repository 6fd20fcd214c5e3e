namespace Tood.Train.Model;

/// <summary>Residual block type of a torchvision-layout ResNet.</summary>
public enum BlockKind
{
    /// <summary>Two 3×3 convs (ResNet-18/34), expansion 1.</summary>
    Basic,

    /// <summary>1×1 → 3×3 (stride here, "pytorch" style) → 1×1, expansion 4 (ResNet-50+).</summary>
    Bottleneck,
}

/// <summary>
/// Complete architecture description. <see cref="ModelPresets"/> builds the named ones; the record is
/// stored in checkpoints so a model can be rebuilt exactly (including training-mode behaviour).
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Preset name this config came from (tiny | r18 | r18mlnet | r50), kept for metadata.</summary>
    public required string Preset { get; init; }

    public required int NumClasses { get; init; }

    public HeadKind Head { get; init; } = HeadKind.TaskAligned;

    // ---- backbone (torchvision ResNet layout) ----
    public BlockKind Block { get; init; } = BlockKind.Bottleneck;

    /// <summary>Blocks per stage layer1..layer4 (r50: 3,4,6,3).</summary>
    public int[] Layers { get; init; } = [3, 4, 6, 3];

    /// <summary>Base width of layer1 (torchvision: 64); stage i has width·2^i (×4 for bottleneck outputs).</summary>
    public int BaseWidth { get; init; } = 64;

    /// <summary>Output channels of the 7×7 stem conv (torchvision: 64).</summary>
    public int StemWidth { get; init; } = 64;

    /// <summary>
    /// mmdet <c>frozen_stages</c>: -1 nothing frozen, 0 stem, 1 stem + layer1 (spec §1 default), … .
    /// Frozen parameters get requires_grad = false and their BNs stay in eval mode.
    /// </summary>
    public int FrozenStages { get; init; } = 1;

    /// <summary>
    /// mmdet <c>norm_eval</c>: every backbone BN stays in eval mode (running stats frozen) even in
    /// train(). Right for ImageNet-pretrained weights (spec §1); must be false when training the
    /// backbone from scratch, otherwise BN is a fixed identity-like affine map and nothing normalises.
    /// </summary>
    public bool NormEval { get; init; } = true;

    /// <summary>
    /// Also freeze every backbone BN's affine γ/β (requires_grad = false), as detectron2's FrozenBatchNorm2d
    /// does; with <see cref="NormEval"/> each BN is then a fixed per-channel affine map. mmdet's norm_eval
    /// alone (spec §1, r50/r18) keeps γ/β of unfrozen stages trainable. Needs NormEval.
    /// </summary>
    public bool FreezeNormAffine { get; init; }

    // ---- neck + head ----
    public int FpnChannels { get; init; } = 256;

    /// <summary>Number of inter (T-Head) / tower (parallel head, per branch) convs: 6 / 4 in the paper.</summary>
    public int StackedConvs { get; init; } = 6;

    public int GnGroups { get; init; } = 32;

    /// <summary>Classification prior probability π: bias = −ln((1−π)/π) (spec §2.1: 0.01 → −4.59512).</summary>
    public double PriorProb { get; init; } = 0.01;

    /// <summary>
    /// mmdet TOODHead behaviour after deform sampling: if an aligned box is inverted (x1 &gt; x2 or
    /// y1 &gt; y2) use the unaligned box instead (mmdetection tood_head.py "invalid_bbox_idx"; spec P1).
    /// </summary>
    public bool ReplaceInvertedBoxes { get; init; } = true;

    /// <summary>FPN strides P3..P7 (spec §1).</summary>
    public int[] Strides { get; init; } = [8, 16, 32, 64, 128];

    /// <summary>Channels of C3, C4, C5.</summary>
    public int[] BackboneOutChannels()
    {
        int expansion = Block == BlockKind.Bottleneck ? 4 : 1;
        return [BaseWidth * 2 * expansion, BaseWidth * 4 * expansion, BaseWidth * 8 * expansion];
    }

    /// <summary>Throws ArgumentException with one line if the configuration cannot be built.</summary>
    public void Validate()
    {
        if (NumClasses < 1) throw new ArgumentException($"num classes must be ≥ 1, got {NumClasses}");
        if (Layers.Length != 4 || Layers.Any(n => n < 1)) throw new ArgumentException("Layers must be 4 positive block counts");
        if (FpnChannels % GnGroups != 0) throw new ArgumentException($"FPN channels {FpnChannels} not divisible by GN groups {GnGroups}");
        if (FpnChannels % 8 != 0) throw new ArgumentException($"FPN channels {FpnChannels} must be divisible by 8 (layer attention width C/8)");
        if (StackedConvs < 1) throw new ArgumentException("StackedConvs must be ≥ 1");
        if (Strides.Length != 5) throw new ArgumentException("exactly 5 strides (P3..P7) are supported");
        if (PriorProb is <= 0 or >= 1) throw new ArgumentException("PriorProb must be in (0,1)");
        if (FrozenStages is < -1 or > 4) throw new ArgumentException($"frozen stages must be -1..4, got {FrozenStages}");
        if (FreezeNormAffine && !NormEval) throw new ArgumentException("freezing BN affine parameters needs BN statistics frozen too (norm eval)");
    }
}
