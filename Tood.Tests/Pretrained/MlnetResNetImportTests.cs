using Tood.Train.Model;
using Tood.Train.Pretrained;
using Tood.Train.Pretrained.Onnx;
using Xunit;

namespace Tood.Tests.Pretrained;

/// <summary>Structure found in the packaged ResNet-18 ONNX by topology, and the one-line errors.</summary>
public class MlnetResNetImportTests
{
    [Fact]
    public void Graph_walk_finds_22_convs_in_stages_of_2_2_2_3_blocks()
    {
        var g = OnnxResNetGraph.Read(PackagedBackbones.Resolve(PackagedBackbones.MlnetResNet18));
        Assert.Equal(22, g.ConvCount);
        Assert.Equal([2, 2, 2, 3], g.Stages.Select(s => s.Count));
        Assert.Equal([64L, 128, 256, 512], g.Stages.Select(s => s[0].Conv2.OutChannels));
        Assert.Equal([false, true, true, true], g.Stages.Select(s => s[0].DownConv is not null));
        Assert.Equal([3L, 3, 2, 2], g.StemConv.Pads);
        Assert.Equal([1L, 1, 0, 0], g.PoolPads);
        Assert.Equal([1L, 1, 0, 0], g.Stages[1][0].Conv1.Pads);
        Assert.Equal([1L, 3, 224, 224], g.InputDims);
    }

    [Fact]
    public void Per_channel_mean_of_the_mean_image_is_the_documented_bgr_mean()
    {
        var m = CntkPreprocess.Read(MlnetResNetImport.PreprocessPathFor(PackagedBackbones.Resolve(PackagedBackbones.MlnetResNet18))).ChannelMeanBgr();
        Assert.Equal([103.06, 115.90, 123.15], m.Select(v => Math.Round(v, 2)));
    }

    [Fact]
    public void Loading_into_a_preset_of_another_layout_is_one_line_naming_the_right_preset()
    {
        using var r18 = new ResNet(ModelPresets.R18(1));
        var e = Assert.Throws<WeightsException>(() => BackboneWeights.Load(r18, PackagedBackbones.MlnetResNet18));
        Assert.Equal("ResNet18.onnx is a ResNet of BasicBlocks 2,2,2,3 (widths 64/128/256/512, stem 64); preset 'r18' has Basic blocks 2,2,2,2 (widths 64/128/256/512, stem 64) — use --preset r18mlnet", e.Message);
    }

    [Fact]
    public void Unknown_name_and_non_onnx_file_are_one_line()
    {
        using var r = new ResNet(ModelPresets.R18Mlnet(1));
        Assert.Equal("backbone weights 'resnet99': no such file, and not a packaged name (resnet18-mlnet)",
            Assert.Throws<WeightsException>(() => BackboneWeights.Load(r, "resnet99")).Message);
        using var dir = new Data.TempDir();
        File.WriteAllText(dir["junk.onnx"], "not protobuf at all");
        var e = Assert.Throws<WeightsException>(() => BackboneWeights.Load(r, dir["junk.onnx"]));
        Assert.Contains("junk.onnx", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
