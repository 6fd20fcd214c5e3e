using Tood.Train.Model;
using Tood.Train.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Model;

/// <summary>Fine-tuning policy: frozen stages, BN statistics (norm eval) and BN affine (FreezeNormAffine).</summary>
public class BackboneFreezeTests
{
    private static IEnumerable<(string Name, Parameter P)> Bn(ResNet r) =>
        r.named_modules().Where(m => m.module is BatchNorm2d).SelectMany(m => m.module.named_parameters().Select(p => ($"{m.name}.{p.name}", p.parameter)));

    [Fact]
    public void R18mlnet_freezes_stem_layer1_and_every_bn_statistic_and_affine_through_a_training_step()
    {
        using var r = new ResNet(ModelPresets.R18Mlnet(1));
        Assert.All(Bn(r), p => Assert.False(p.P.requires_grad, p.Name));
        var trainable = r.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.DoesNotContain(trainable, n => n.StartsWith("conv1", StringComparison.Ordinal) || n.StartsWith("layer1.", StringComparison.Ordinal));
        Assert.Contains("layer2.0.conv1.weight", trainable);
        Assert.Contains("layer4.2.conv2.weight", trainable);

        var before = r.state_dict().Where(kv => kv.Key.Contains("bn", StringComparison.Ordinal) || kv.Key.Contains("downsample.1", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        r.train();
        using var opt = torch.optim.SGD(r.parameters().Where(p => p.requires_grad), 0.1);
        using (var scope = torch.NewDisposeScope())
        {
            var x = torch.randn(2, 3, 64, 64);
            r.forward(x).Select(f => f.square().mean()).Aggregate((a, b) => a + b).backward();
            opt.step();
        }
        foreach (var (k, v) in r.state_dict().Where(kv => before.ContainsKey(kv.Key)))
            Assert.True(v.allclose(before[k], 0, 0), $"{k} changed in a training step");
        Assert.True(r.named_modules().Where(m => m.module is BatchNorm2d).All(m => !m.module.training));
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public void Train_options_override_the_presets_policy()
    {
        var o = new TrainOptions { TrainAnnotations = "d.yaml", RunDir = "r", Preset = "r18mlnet", FrozenStages = -1, NormEval = false, FreezeNormAffine = false };
        var cfg = o.ResolveModel(3);
        Assert.Equal((-1, false, false, 3), (cfg.FrozenStages, cfg.NormEval, cfg.FreezeNormAffine, cfg.NumClasses));
        using var r = new ResNet(cfg);
        Assert.All(r.parameters(), p => Assert.True(p.requires_grad));
        Assert.Throws<ArgumentException>(() => (ModelPresets.R18(1) with { NormEval = false, FreezeNormAffine = true }).Validate());
    }
}
