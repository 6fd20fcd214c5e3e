namespace Tood.Train.Model;

/// <summary>
/// Named architectures.
/// <list type="bullet">
/// <item><c>r50</c>: the paper's R-50-FPN T-Head (FPN 256, 6 stacked convs, GN 32), frozen stem+layer1,
/// BN eval — meant for ImageNet-pretrained backbone weights (spec §1).</item>
/// <item><c>r18</c>: torchvision ResNet-18, FPN/head width 128, 4 stacked convs, GN 16. A lighter
/// real-time model; the head is narrowed because at 256/6 it would cost more than the R-18 backbone.
/// Same freezing/BN policy as r50 (pretrained backbone expected).</item>
/// <item><c>r18mlnet</c>: the ResNet-18 layout of the ImageNet model in the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 (<c>--backbone-weights resnet18-mlnet</c>): like r18 but layer4
/// has three BasicBlocks (2,2,2,3). Frozen stem + layer1 and fully frozen BN (statistics and affine), the
/// fine-tuning policy of detection toolkits for small datasets.</item>
/// <item><c>tiny</c>: from-scratch CPU model: ResNet-style BasicBlock stages of widths 16/32/64/128
/// (one block each, torchvision names), FPN/head 64, 3 stacked convs, GN 16. Nothing frozen and BN in
/// train mode (there are no pretrained weights; batch-8 BN statistics are fine at these sizes).</item>
/// </list>
/// </summary>
public static class ModelPresets
{
    public static IReadOnlyList<string> Names { get; } = ["tiny", "r18", "r18mlnet", "r50"];

    public static ModelConfig Get(string preset, int numClasses, HeadKind head = HeadKind.TaskAligned) =>
        preset.ToLowerInvariant() switch
        {
            "r50" => R50(numClasses, head),
            "r18" => R18(numClasses, head),
            "r18mlnet" => R18Mlnet(numClasses, head),
            "tiny" => Tiny(numClasses, head),
            _ => throw new ArgumentException($"unknown preset '{preset}' (expected {string.Join("|", Names)})"),
        };

    public static ModelConfig R50(int numClasses, HeadKind head = HeadKind.TaskAligned) => new()
    {
        Preset = "r50",
        NumClasses = numClasses,
        Head = head,
        Block = BlockKind.Bottleneck,
        Layers = [3, 4, 6, 3],
        BaseWidth = 64,
        StemWidth = 64,
        FrozenStages = 1,
        NormEval = true,
        FpnChannels = 256,
        // The parallel baseline uses 4 convs per tower; the T-Head 6 shared convs (PAPER §4).
        StackedConvs = head == HeadKind.TaskAligned ? 6 : 4,
        GnGroups = 32,
    };

    public static ModelConfig R18(int numClasses, HeadKind head = HeadKind.TaskAligned) => new()
    {
        Preset = "r18",
        NumClasses = numClasses,
        Head = head,
        Block = BlockKind.Basic,
        Layers = [2, 2, 2, 2],
        BaseWidth = 64,
        StemWidth = 64,
        FrozenStages = 1,
        NormEval = true,
        FpnChannels = 128,
        StackedConvs = head == HeadKind.TaskAligned ? 4 : 3,
        GnGroups = 16,
    };

    public static ModelConfig R18Mlnet(int numClasses, HeadKind head = HeadKind.TaskAligned) => R18(numClasses, head) with
    {
        Preset = "r18mlnet",
        Layers = [2, 2, 2, 3],
        FreezeNormAffine = true,
    };

    public static ModelConfig Tiny(int numClasses, HeadKind head = HeadKind.TaskAligned) => new()
    {
        Preset = "tiny",
        NumClasses = numClasses,
        Head = head,
        Block = BlockKind.Basic,
        Layers = [1, 1, 1, 1],
        BaseWidth = 16,
        StemWidth = 16,
        FrozenStages = -1,
        NormEval = false,
        FpnChannels = 64,
        StackedConvs = head == HeadKind.TaskAligned ? 3 : 2,
        GnGroups = 16,
    };
}
