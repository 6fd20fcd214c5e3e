using Tood.Train.Cli;
using Tood.Train.Model;
using Tood.Train.Pretrained;
using Tood.Train.Pretrained.TorchSave;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Pretrained;

/// <summary>
/// Files in the exact byte layouts of <c>torch.save</c>, zip and legacy (OrderedDict + BUILD with _metadata, see
/// <see cref="TorchSaveFixture"/>), without num_batches_tracked (as in torchvision's V1 weights):
/// the reader must cope with what real checkpoints contain, not only with PyBridge's own output.
/// </summary>
public class TorchSaveLayoutTests
{
    private static List<(string, float[], long[])> FloatTensors(nn.Module m, string prefix = "") =>
        [.. m.state_dict().Where(kv => kv.Value.is_floating_point())
            .Select(kv => (prefix + kv.Key, kv.Value.contiguous().data<float>().ToArray(), kv.Value.shape))];

    [Theory]
    [InlineData(TorchSaveLayout.Zip)]
    [InlineData(TorchSaveLayout.Legacy)]  // MMDetection 2.x publish_model.py under torch 1.6–1.9
    public async Task Mmcv_checkpoint_with_ordered_dict_and_meta_imports_exactly(TorchSaveLayout layout)
    {
        using var dir = new TempDir();
        using var original = ToodDetector.Create("tiny", 4);
        PretrainedFixtures.Randomise(original, seed: 9);
        original.eval();
        var pth = dir.File("mmcv.pth");
        string[] classes = ["cat", "dog", "car", "tree"];
        TorchSaveFixture.Write(pth, FloatTensors(original), classes, layout);

        Assert.Equal(0, await new ImportMmdetCommand().RunAsync(["--checkpoint", pth, "--output", dir.File("m.ckpt"), "--preset", "tiny", "--input-size", "640x480"], CancellationToken.None));
        using var loaded = Checkpoint.Load(dir.File("m.ckpt"));
        Assert.Equal(classes, loaded.Meta.ClassNames);            // from meta.CLASSES
        Assert.Equal([1, 2, 3, 4], loaded.Meta.CategoryIds);
        Assert.Equal((640, 480), (loaded.Meta.InputWidth, loaded.Meta.InputHeight));
        Assert.Equal("state_dict", loaded.Meta.Extra["source_layout"]);
        Assert.Equal(layout == TorchSaveLayout.Zip ? "PyTorch" : "PyTorchLegacy", loaded.Meta.Extra["source_format"]);

        using var image = PretrainedFixtures.Image(64, 96, seed: 2);
        using var noGrad = torch.no_grad();
        using var a = original.forward(image);
        using var b = loaded.Model.forward(image);
        for (int l = 0; l < 5; l++)
        {
            Assert.Equal(0.0, PretrainedFixtures.MaxAbsDiff(a.ClsScores[l], b.ClsScores[l]));
            Assert.Equal(0.0, PretrainedFixtures.MaxAbsDiff(a.BoxPreds[l], b.BoxPreds[l]));
        }
    }

    [Fact]
    public void Flat_torchvision_ordered_dict_without_batch_counters_loads_into_the_backbone()
    {
        using var dir = new TempDir();
        var cfg = ModelPresets.Tiny(3);
        using var source = new ResNet(cfg);
        PretrainedFixtures.Randomise(source, seed: 4);
        var tensors = FloatTensors(source);
        tensors.Add(("fc.weight", new float[10 * 128], [10, 128]));
        tensors.Add(("fc.bias", new float[10], [10]));
        var pth = dir.File("resnet_tv.pth");
        TorchSaveFixture.Write(pth, tensors, nestWithClasses: null);

        using (var file = WeightFile.Read(pth))
        {
            Assert.Equal("flat", file.Layout);
            Assert.DoesNotContain("_metadata", file.Tensors.Keys);
            Assert.Equal(tensors.Count, file.Tensors.Count);
        }
        using var target = new ResNet(cfg);
        var report = BackboneWeights.Load(target, pth);
        Assert.Equal(["fc.bias", "fc.weight"], report.Unexpected);
        Assert.Equal(target.state_dict().Count(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)), report.Matched.Count);
        Assert.All(report.Missing, k => Assert.EndsWith("num_batches_tracked", k));

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        source.eval();
        target.eval();
        var image = PretrainedFixtures.Image(64, 64, seed: 8);
        var fa = source.forward(image);
        var fb = target.forward(image);
        for (int i = 0; i < 3; i++) Assert.Equal(0.0, PretrainedFixtures.MaxAbsDiff(fa[i], fb[i]));
    }
}
