using Tood.Train.Model;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Model;

public class StateDictKeyTests(ITestOutputHelper output)
{
    [Fact]
    public void R50_t_head_keys_follow_torchvision_and_mmdetection_names()
    {
        using var model = ToodDetector.Create("r50", 80);
        var keys = model.state_dict().Keys.ToHashSet();
        foreach (var k in keys.Where(k => !k.StartsWith("backbone.", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            output.WriteLine(k);
        string[] expected =
        [
            "backbone.conv1.weight", "backbone.bn1.running_var", "backbone.layer1.0.downsample.0.weight",
            "backbone.layer1.0.downsample.1.bias", "backbone.layer2.0.conv3.weight", "backbone.layer4.2.bn3.weight",
            "neck.lateral_convs.0.conv.weight", "neck.lateral_convs.2.conv.bias", "neck.fpn_convs.4.conv.weight",
            "bbox_head.inter_convs.0.conv.weight", "bbox_head.inter_convs.5.gn.weight", "bbox_head.inter_convs.5.gn.bias",
            "bbox_head.cls_decomp.layer_attention.0.weight", "bbox_head.cls_decomp.layer_attention.0.bias",
            "bbox_head.cls_decomp.layer_attention.2.weight", "bbox_head.reg_decomp.layer_attention.2.bias",
            "bbox_head.cls_decomp.reduction_conv.conv.weight", "bbox_head.reg_decomp.reduction_conv.gn.weight",
            "bbox_head.tood_cls.weight", "bbox_head.tood_cls.bias", "bbox_head.tood_reg.weight", "bbox_head.tood_reg.bias",
            "bbox_head.cls_prob_module.0.weight", "bbox_head.cls_prob_module.2.bias",
            "bbox_head.reg_offset_module.0.weight", "bbox_head.reg_offset_module.2.bias",
            "bbox_head.scales.0.scale", "bbox_head.scales.4.scale",
        ];
        foreach (var k in expected) Assert.Contains(k, keys);
        // Convs followed by GN have no bias (mmcv ConvModule bias='auto').
        Assert.DoesNotContain("bbox_head.inter_convs.0.conv.bias", keys);
        Assert.DoesNotContain("bbox_head.cls_decomp.reduction_conv.conv.bias", keys);
        // Head: 6 inter convs × 3 + 2 decomps × 7 + cls/reg 4 + prob 4 + offset 4 + 5 scales.
        Assert.Equal(6 * 3 + 2 * 7 + 4 + 4 + 4 + 5, keys.Count(k => k.StartsWith("bbox_head.", StringComparison.Ordinal)));
        // Neck: 3 laterals + 5 fpn convs, weight + bias each.
        Assert.Equal(16, keys.Count(k => k.StartsWith("neck.", StringComparison.Ordinal)));
    }

    [Fact]
    public void Parallel_head_keys_follow_mmdetection_atss_names()
    {
        using var model = ToodDetector.Create("r50", 80, HeadKind.Parallel);
        var keys = model.state_dict().Keys.Where(k => k.StartsWith("bbox_head.", StringComparison.Ordinal)).ToHashSet();
        foreach (var k in new[] { "bbox_head.cls_convs.3.conv.weight", "bbox_head.reg_convs.0.gn.bias",
                     "bbox_head.atss_cls.bias", "bbox_head.atss_reg.weight", "bbox_head.atss_centerness.bias",
                     "bbox_head.scales.2.scale" })
            Assert.Contains(k, keys);
        Assert.Equal(2 * 4 * 3 + 6 + 5, keys.Count);
    }
}
