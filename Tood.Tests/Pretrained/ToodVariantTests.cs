using Tood.Train.Model;
using Tood.Train.Pretrained;
using Tood.Train.Pretrained.TorchSave;
using Xunit;

namespace Tood.Tests.Pretrained;

/// <summary>The anchor-based TOOD checkpoint has the anchor-free keys and shapes: it must be refused, not decoded wrongly.</summary>
public class ToodVariantTests
{
    private static FixtureDict Checkpoint(string? config, FixtureDict stateDict) =>
        config is null ? new FixtureDict(false, ("meta", new FixtureDict(false, ("epoch", 12))), ("state_dict", stateDict))
            : new FixtureDict(false, ("meta", new FixtureDict(false, ("config", config))), ("state_dict", stateDict));

    private static FixtureDict TinyStateDict()
    {
        using var model = ToodDetector.Create("tiny", 3);
        return new FixtureDict(true, [.. model.state_dict().Select(kv => ((object)kv.Key, (object?)(kv.Value.is_floating_point()
            ? FixtureTensor.Contiguous(FixtureStorage.Float(kv.Value.contiguous().data<float>().ToArray()), kv.Value.shape)
            : FixtureTensor.Contiguous(FixtureStorage.Long(kv.Value.contiguous().data<long>().ToArray()), kv.Value.shape))))]);
    }

    [Theory]
    [InlineData("model = dict(\n    bbox_head=dict(\n        type='TOODHead',\n        anchor_type='anchor_based',\n        num_classes=80))\n")]
    [InlineData("{'model': {'bbox_head': {'type': 'TOODHead', 'anchor_type': \"anchor_based\"}}}")]
    public void Config_text_saying_anchor_based_is_refused(string config)
    {
        using var dir = new TempDir();
        var pth = dir.File("epoch_12.pth");
        TorchSaveFixture.Write(pth, Checkpoint(config, TinyStateDict()), TorchSaveLayout.Legacy);
        var e = Assert.Throws<WeightsException>(() => MmdetImporter.Import(pth, new MmdetImportOptions("tiny")));
        Assert.StartsWith($"'{pth}' is the anchor-based TOOD variant (anchor_type='anchor_based' in the training config stored in its meta)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Published_anchor_based_file_name_without_config_is_refused()
    {
        using var dir = new TempDir();
        var pth = dir.File("tood_r50_fpn_anchor_based_1x_coco_20211214_100105-b776c134.pth");
        TorchSaveFixture.Write(pth, Checkpoint(null, TinyStateDict()), TorchSaveLayout.Legacy);
        var e = Assert.Throws<WeightsException>(() => MmdetImporter.Import(pth, new MmdetImportOptions("tiny")));
        Assert.Contains("is the anchor-based TOOD variant (its file name says anchor_based", e.Message);
    }

    [Fact]
    public void Anchor_free_config_imports_silently_and_a_file_without_config_imports_with_a_warning()
    {
        using var dir = new TempDir();
        var withConfig = dir.File("tood_anchor_free.pth");
        var without = dir.File("tood_no_meta.pth");
        TorchSaveFixture.Write(withConfig, Checkpoint("bbox_head=dict(type='TOODHead', anchor_type='anchor_free')", TinyStateDict()), TorchSaveLayout.Zip);
        TorchSaveFixture.Write(without, Checkpoint(null, TinyStateDict()), TorchSaveLayout.Zip);

        using (var ok = MmdetImporter.Import(withConfig, new MmdetImportOptions("tiny")))
        {
            Assert.Empty(ok.Warnings);
            Assert.Equal("anchor_free (training config in the checkpoint)", ok.Meta.Extra["anchor_type"]);
        }
        using var assumed = MmdetImporter.Import(without, new MmdetImportOptions("tiny"));
        Assert.Equal("anchor_free (assumed: no config text in the checkpoint)", assumed.Meta.Extra["anchor_type"]);
        var warning = Assert.Single(assumed.Warnings);
        Assert.StartsWith("'tood_no_meta.pth' carries no training config, so its head variant cannot be verified", warning);
    }
}
