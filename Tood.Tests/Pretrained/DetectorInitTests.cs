using Tood.Tests.Export;
using Tood.Train.Model;
using Tood.Train.Pretrained;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Pretrained;

/// <summary><c>--init MODEL</c> from a Tood checkpoint: every tensor copied, the classifier only when the classes agree.</summary>
[Collection(Model.TorchRngCollection.Name)]
public class DetectorInitTests
{
    [Fact]
    public void Same_classes_copy_every_tensor_other_classes_keep_the_fresh_classifier()
    {
        using var dir = new Data.TempDir();
        manual_seed(1);
        using var source = ToodDetector.Create("tiny", 2);
        var meta = ExportTestSupport.Meta(source, 128, 128);            // classes thing0, thing1
        string ckpt = dir["source.ckpt"];
        Checkpoint.Save(ckpt, source, meta);
        using var weights = DetectorInit.Read(ckpt);
        Assert.Equal(["thing0", "thing1"], weights.ClassNames);

        manual_seed(2);
        using var same = new ToodDetector(weights.Config);
        var line = DetectorInit.Apply(same, weights, ["thing0", "thing1"], "source.ckpt");
        Assert.Contains("classifier kept", line);
        foreach (var (key, t) in source.state_dict())
            Assert.True(t.eq(same.state_dict()[key]).all().item<bool>(), key);

        manual_seed(3);
        using var other = new ToodDetector(weights.Config with { NumClasses = 1 });
        var fresh = other.state_dict()["bbox_head.tood_cls.bias"].clone();
        line = DetectorInit.Apply(other, weights, ["dog"], "source.ckpt");
        Assert.Contains("classes [dog] differ, classifier re-initialised", line);
        foreach (var (key, t) in source.state_dict())
        {
            if (DetectorInit.IsClassSpecific(key)) continue;
            Assert.True(t.eq(other.state_dict()[key]).all().item<bool>(), key);
        }
        Assert.True(fresh.eq(other.state_dict()["bbox_head.tood_cls.bias"]).all().item<bool>());
        // One class named like the source's first: still re-initialised (its row meant thing0 among two).
        Assert.Contains("differ", DetectorInit.Apply(other, weights, ["thing0"], "source.ckpt"));
    }

    [Fact]
    public void Missing_or_foreign_files_are_one_line_errors()
    {
        using var dir = new Data.TempDir();
        var missing = Assert.Throws<FileNotFoundException>(() => DetectorInit.Read(dir["none.ckpt"]));
        Assert.Contains("--init model not found", missing.Message);
        File.WriteAllText(dir["junk.ckpt"], "not a checkpoint");
        var junk = Assert.Throws<InvalidDataException>(() => DetectorInit.Read(dir["junk.ckpt"]));
        Assert.Contains("not a Tood checkpoint or ONNX model", junk.Message);
        Assert.DoesNotContain('\n', junk.Message);
    }
}
