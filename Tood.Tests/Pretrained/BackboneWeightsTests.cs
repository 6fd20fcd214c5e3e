using Tood.Train.Model;
using Tood.Train.Pretrained;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Pretrained;

/// <summary>
/// torchvision ImageNet state dicts (resnet50-*.pth / resnet18-*.pth layout: torchvision names, fc.* classifier)
/// into the detector backbone via <see cref="BackboneWeights"/>.
/// </summary>
public class BackboneWeightsTests
{
    /// <summary>A torchvision-layout classifier state dict: randomised backbone tensors + fc.weight/fc.bias.</summary>
    private static Dictionary<string, Tensor> TorchvisionStateDict(ResNet source, int fcIn, bool withBatchCounters)
    {
        var sd = source.state_dict()
            .Where(kv => withBatchCounters || !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        sd["fc.weight"] = torch.randn(1000, fcIn);
        sd["fc.bias"] = torch.randn(1000);
        return sd;
    }

    private static void AssertSameFeatures(ResNet a, ResNet b, int size, long seed)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        a.eval();
        b.eval();
        var image = PretrainedFixtures.Image(size, size, seed);
        var fa = a.forward(image);
        var fb = b.forward(image);
        Assert.Equal(3, fa.Length);
        for (int i = 0; i < 3; i++) Assert.Equal(0.0, PretrainedFixtures.MaxAbsDiff(fa[i], fb[i]));
    }

    [Theory]
    [InlineData("r50", 2048, true, "pth")]
    [InlineData("r18", 512, false, "pth")]         // older torchvision files have no num_batches_tracked
    [InlineData("r18", 512, true, "safetensors")]
    public void Torchvision_resnet_state_dict_loads_into_the_backbone_exactly(string preset, int fcIn, bool counters, string ext)
    {
        using var dir = new TempDir();
        var cfg = ModelPresets.Get(preset, 80);
        using var source = new ResNet(cfg);
        PretrainedFixtures.Randomise(source, seed: fcIn);
        var sd = TorchvisionStateDict(source, fcIn, counters);
        var path = dir.File($"resnet.{ext}");
        if (ext == "pth") WeightFile.SavePyTorch(path, sd);
        else WeightFile.SaveSafetensors(path, sd);
        sd["fc.weight"].Dispose();
        sd["fc.bias"].Dispose();

        using var target = new ResNet(cfg);
        var report = BackboneWeights.Load(target, path);

        int total = target.state_dict().Count;
        int bnCount = target.modules().OfType<BatchNorm2d>().Count();
        Assert.Equal(counters ? total : total - bnCount, report.Matched.Count);
        Assert.Equal(counters ? 0 : bnCount, report.Missing.Count);
        Assert.All(report.Missing, k => Assert.EndsWith(".num_batches_tracked", k));
        Assert.Equal(["fc.bias", "fc.weight"], report.Unexpected);
        Assert.Equal("", report.StrippedPrefix);
        Assert.Contains("2 unexpected (ignored: fc.bias, fc.weight)", report.Summary());
        AssertSameFeatures(source, target, 64, seed: 5);
    }

    [Fact]
    public void Detector_overload_loads_the_backbone_and_keeps_the_frozen_policy()
    {
        using var dir = new TempDir();
        using var source = new ResNet(ModelPresets.R18(80));
        PretrainedFixtures.Randomise(source, seed: 18);
        var path = dir.File("resnet18.pth");
        var sd = source.state_dict().ToDictionary(kv => "module." + kv.Key, kv => kv.Value); // DataParallel-saved
        WeightFile.SavePyTorch(path, sd);

        using var model = ToodDetector.Create("r18", 80);
        var report = BackboneWeights.Load(model, path);
        Assert.Equal("module.", report.StrippedPrefix);
        Assert.Empty(report.Unexpected);
        AssertSameFeatures(source, model.Backbone, 64, seed: 6);
        // Loading does not touch requires_grad: stem + layer1 stay frozen, layer2+ trainable (spec §1.1).
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.requires_grad);
        Assert.False(named["backbone.conv1.weight"]);
        Assert.False(named["backbone.layer1.0.conv1.weight"]);
        Assert.True(named["backbone.layer2.0.conv1.weight"]);
        Assert.True(named["backbone.layer4.1.bn2.weight"]);
    }

    [Theory]
    [InlineData("r18")]
    [InlineData("r50")]
    public void Pretrained_presets_freeze_stem_and_layer1_and_keep_every_bn_in_eval(string preset)
    {
        var cfg = ModelPresets.Get(preset, 80);
        Assert.Equal(1, cfg.FrozenStages);
        Assert.True(cfg.NormEval);
        using var backbone = new ResNet(cfg);
        backbone.train();
        foreach (var (name, p) in backbone.named_parameters())
        {
            bool frozen = name.StartsWith("conv1.", StringComparison.Ordinal) || name.StartsWith("bn1.", StringComparison.Ordinal)
                || name.StartsWith("layer1.", StringComparison.Ordinal);
            Assert.True(p.requires_grad != frozen, $"{name}: requires_grad={p.requires_grad}");
        }
        Assert.All(backbone.modules().OfType<BatchNorm2d>(), bn => Assert.False(bn.training));
    }

    [Fact]
    public void Resnet18_weights_into_the_r50_backbone_fail_with_the_offending_keys_and_load_nothing()
    {
        using var dir = new TempDir();
        using var r18 = new ResNet(ModelPresets.R18(80));
        PretrainedFixtures.Randomise(r18, seed: 1);
        var path = dir.File("resnet18.pth");
        var sd = TorchvisionStateDict(r18, 512, withBatchCounters: true);
        WeightFile.SavePyTorch(path, sd);
        sd["fc.weight"].Dispose();
        sd["fc.bias"].Dispose();

        using var r50 = new ResNet(ModelPresets.R50(80));
        using var before = r50.state_dict()["bn1.running_var"].clone();
        var e = Assert.Throws<WeightsException>(() => BackboneWeights.Load(r50, path));
        Assert.StartsWith("backbone weights: ", e.Message);
        Assert.Matches(@"^backbone weights: \d+ key problems in resnet18\.pth: ", e.Message);
        Assert.Contains("missing layer1.0.conv3.weight [256,64,1,1]", e.Message);
        Assert.Contains("shape layer1.0.conv1.weight expected [64,64,1,1] got [64,64,3,3]", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain(e.Problems, p => p.Key.StartsWith("fc.", StringComparison.Ordinal)); // classifier stays ignored
        Assert.Equal(0.0, PretrainedFixtures.MaxAbsDiff(r50.state_dict()["bn1.running_var"], before)); // nothing copied, although bn1 matched
        Assert.True(PretrainedFixtures.MaxAbsDiff(r18.state_dict()["bn1.running_var"], before) > 0.01);
    }

    [Fact]
    public void Renamed_key_in_a_backbone_file_is_reported_as_missing_plus_unexpected()
    {
        using var r18 = new ResNet(ModelPresets.R18(80));
        var sd = r18.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        sd["layer3.1.bn2.bias_renamed"] = sd["layer3.1.bn2.bias"];
        sd.Remove("layer3.1.bn2.bias");
        using var target = new ResNet(ModelPresets.R18(80));
        var e = Assert.Throws<WeightsException>(() => BackboneWeights.Load(target, sd, "renamed.pth"));
        Assert.Equal("backbone weights: 2 key problems in renamed.pth: missing layer3.1.bn2.bias [256]; unexpected layer3.1.bn2.bias_renamed [256]", e.Message);
    }
}
