using Tood.Train.Cli;
using Tood.Train.Model;
using Tood.Train.Pretrained;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Pretrained;

/// <summary>
/// import-mmdet acceptance (issue "Pretrained weights"): no public checkpoint can be downloaded here,
/// so a randomised Tood model is written under MMDetection's key names and mmcv's checkpoint layout
/// ({'state_dict', 'meta', 'optimizer'}, PyTorch zip format via TorchSharp.PyBridge) and imported
/// through the command class.
/// </summary>
public class MmdetImportTests
{
    [Theory]
    [InlineData("r50", 80)]
    [InlineData("r18", 80)]
    [InlineData("tiny", 3)]
    public void Assumed_mmdet_key_layout_equals_the_model_state_dict(string preset, int classes)
    {
        using var model = ToodDetector.Create(preset, classes);
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expected = MmdetKeys.Expected(model.Config);
        Assert.Equal(expected.Count, expected.Select(e => e.Key).Distinct().Count());
        Assert.Equal(expected.Select(e => e.Key).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(actual[key]), $"{key}: {KeyProblem.FormatShape(shape)} vs {KeyProblem.FormatShape(actual[key])}");
        if (preset == "r50")
        {
            // spot checks against mmdet tood_r50_fpn_1x_coco numbers (spec §2.1)
            var d = expected.ToDictionary(e => e.Key, e => e.Shape);
            Assert.Equal([32L, 1536, 1, 1], d["bbox_head.cls_decomp.layer_attention.0.weight"]);
            Assert.Equal([6L, 32, 1, 1], d["bbox_head.reg_decomp.layer_attention.2.weight"]);
            Assert.Equal([256L, 1536, 1, 1], d["bbox_head.cls_decomp.reduction_conv.conv.weight"]);
            Assert.Equal([80L, 256, 3, 3], d["bbox_head.tood_cls.weight"]);
            Assert.Equal([64L, 1536, 1, 1], d["bbox_head.reg_offset_module.0.weight"]);
            Assert.Equal([8L, 64, 3, 3], d["bbox_head.reg_offset_module.2.weight"]);
            Assert.Equal([256L, 2048, 1, 1], d["neck.lateral_convs.2.conv.weight"]);
            Assert.Equal([256L, 256, 3, 3], d["neck.fpn_convs.4.conv.weight"]);
            Assert.Empty(d["bbox_head.scales.4.scale"]);
            Assert.Empty(d["backbone.layer4.2.bn3.num_batches_tracked"]);
        }
    }

    [Fact]
    public async Task Import_mmdet_r50_checkpoint_reproduces_the_original_outputs_exactly()
    {
        using var dir = new TempDir();
        var pth = dir.File("tood_r50_fpn_1x_coco.pth");
        var ckpt = dir.File("tood_r50_coco.ckpt");
        using var original = ToodDetector.Create("r50", 80);
        PretrainedFixtures.Randomise(original, seed: 50);
        original.eval();
        using (var momentum = torch.ones(3))
        {
            WeightFile.SavePyTorch(pth, original.state_dict(), nestUnder: "state_dict", extra: MmcvExtras(CocoClasses.Names, momentum));
        }

        Assert.Equal(0, await new ImportMmdetCommand().RunAsync(["--checkpoint", pth, "--output", ckpt, "--preset", "r50"], CancellationToken.None));

        using var loaded = Checkpoint.Load(ckpt);
        Assert.Equal("r50", loaded.Meta.Preset);
        Assert.Equal(80, loaded.Meta.NumClasses);
        Assert.Equal(CocoClasses.Names, loaded.Meta.ClassNames);
        Assert.Equal(1, loaded.Meta.CategoryIds[0]);
        Assert.Equal(13, loaded.Meta.CategoryIds[11]);   // stop sign: id 12 is unused
        Assert.Equal(90, loaded.Meta.CategoryIds[79]);   // toothbrush
        Assert.Equal((1344, 800), (loaded.Meta.InputWidth, loaded.Meta.InputHeight));

        using var image = PretrainedFixtures.Image(128, 128, seed: 7);
        using var noGrad = torch.no_grad();
        using var expected = original.forward(image);
        using var actual = loaded.Model.forward(image);
        for (int l = 0; l < expected.ClsScores.Count; l++)
        {
            Assert.Equal(0.0, PretrainedFixtures.MaxAbsDiff(expected.ClsScores[l], actual.ClsScores[l]));
            Assert.Equal(0.0, PretrainedFixtures.MaxAbsDiff(expected.BoxPreds[l], actual.BoxPreds[l]));
        }
        // Non-trivial: a freshly initialised model gives different outputs on the same image.
        using var fresh = ToodDetector.Create("r50", 80);
        PretrainedFixtures.Randomise(fresh, seed: 51);
        fresh.eval();
        using var other = fresh.forward(image);
        Assert.True(PretrainedFixtures.MaxAbsDiff(expected.ClsScores[0], other.ClsScores[0]) > 1e-4);
        Assert.True(PretrainedFixtures.MaxAbsDiff(expected.BoxPreds[0], other.BoxPreds[0]) > 1e-3);
    }

    [Fact]
    public async Task Import_accepts_a_flat_state_dict_and_a_safetensors_file()
    {
        using var dir = new TempDir();
        using var original = ToodDetector.Create("tiny", 3);
        PretrainedFixtures.Randomise(original, seed: 3);
        original.eval();
        var flat = dir.File("flat.pth");
        var st = dir.File("tiny.safetensors");
        WeightFile.SavePyTorch(flat, original.state_dict());
        WeightFile.SaveSafetensors(st, original.state_dict());
        using var image = PretrainedFixtures.Image(96, 64, seed: 11);
        using var noGrad = torch.no_grad();
        using var expected = original.forward(image);
        foreach (var (src, name) in new[] { (flat, "flat.ckpt"), (st, "st.ckpt") })
        {
            Assert.Equal(0, await new ImportMmdetCommand().RunAsync(["--checkpoint", src, "--output", dir.File(name), "--preset", "tiny"], CancellationToken.None));
            using var loaded = Checkpoint.Load(dir.File(name));
            Assert.Equal(3, loaded.Meta.NumClasses); // inferred from bbox_head.tood_cls.weight
            Assert.Equal(["class0", "class1", "class2"], loaded.Meta.ClassNames);
            Assert.Equal([1, 2, 3], loaded.Meta.CategoryIds);
            using var actual = loaded.Model.forward(image);
            for (int l = 0; l < 5; l++)
            {
                Assert.Equal(0.0, PretrainedFixtures.MaxAbsDiff(expected.ClsScores[l], actual.ClsScores[l]));
                Assert.Equal(0.0, PretrainedFixtures.MaxAbsDiff(expected.BoxPreds[l], actual.BoxPreds[l]));
            }
        }
    }

    public static TheoryData<string, string> BadStateDicts => new()
    {
        { "renamed", "2 key problems in bad.pth: missing bbox_head.tood_cls.bias [3]; unexpected bbox_head.tood_cls.b [3]" },
        { "missing", "1 key problem in bad.pth: missing neck.fpn_convs.4.conv.weight [64,64,3,3]" },
        { "shape", "1 key problem in bad.pth: shape bbox_head.tood_reg.weight expected [4,64,3,3] got [8,64,3,3]" },
    };

    [Theory]
    [MemberData(nameof(BadStateDicts))]
    public async Task Bad_state_dict_fails_with_one_line_naming_the_keys_and_writes_nothing(string defect, string message)
    {
        using var dir = new TempDir();
        var pth = dir.File("bad.pth");
        var ckpt = dir.File("out/bad.ckpt");
        using var model = ToodDetector.Create("tiny", 3);
        var sd = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        using var wrong = torch.zeros(8, 64, 3, 3);
        switch (defect)
        {
            case "renamed": sd["bbox_head.tood_cls.b"] = sd["bbox_head.tood_cls.bias"]; sd.Remove("bbox_head.tood_cls.bias"); break;
            case "missing": sd.Remove("neck.fpn_convs.4.conv.weight"); break;
            case "shape": sd["bbox_head.tood_reg.weight"] = wrong; break;
        }
        WeightFile.SavePyTorch(pth, sd, nestUnder: "state_dict");

        var e = await Assert.ThrowsAsync<CheckpointException>(() =>
            new ImportMmdetCommand().RunAsync(["--checkpoint", pth, "--output", ckpt, "--preset", "tiny", "--classes", "3"], CancellationToken.None));
        Assert.Equal(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(ckpt));
        Assert.False(File.Exists(ckpt + ".tmp"));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public async Task Wrong_preset_lists_problems_of_each_kind_and_names_the_matching_preset()
    {
        using var dir = new TempDir();
        var pth = dir.File("tiny.pth");
        using var model = ToodDetector.Create("tiny", 80);
        WeightFile.SavePyTorch(pth, model.state_dict(), nestUnder: "state_dict");
        var ckpt = dir.File("x.ckpt");
        var e = await Assert.ThrowsAsync<CheckpointException>(() =>
            new ImportMmdetCommand().RunAsync(["--checkpoint", pth, "--output", ckpt, "--preset", "r18"], CancellationToken.None));
        Assert.Matches(@"^\d+ key problems in tiny\.pth: missing backbone\.layer1\.1\.conv1\.weight \[64,64,3,3\]; .*shape backbone\.conv1\.weight expected \[64,3,7,7\] got \[16,3,7,7\];.*\(\+\d+ more\) \(the checkpoint matches --preset tiny\)$", e.Message);
        Assert.False(File.Exists(ckpt));
    }

    [Fact]
    public async Task Unreadable_inputs_give_one_clear_line()
    {
        using var dir = new TempDir();
        var junk = dir.File("junk.pth");
        File.WriteAllText(junk, "not a checkpoint");
        var legacy = dir.File("legacy.pth");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
        var cmd = new ImportMmdetCommand();
        var e1 = await Assert.ThrowsAsync<CheckpointException>(() => cmd.RunAsync(["--checkpoint", junk, "--output", dir.File("a.ckpt")], CancellationToken.None));
        Assert.Contains("is neither a PyTorch checkpoint (zip or legacy torch.save) nor a safetensors file", e1.Message);
        var e2 = await Assert.ThrowsAsync<CheckpointException>(() => cmd.RunAsync(["--checkpoint", legacy, "--output", dir.File("a.ckpt")], CancellationToken.None));
        // The legacy magic number alone: read as legacy torch.save, which ends before the protocol version.
        Assert.EndsWith("legacy.pth': truncated: the pickle ends at byte 15 before its STOP opcode", e2.Message);
        var e3 = await Assert.ThrowsAsync<CheckpointException>(() => cmd.RunAsync(["--checkpoint", dir.File("none.pth"), "--output", dir.File("a.ckpt")], CancellationToken.None));
        Assert.Contains("none.pth' not found", e3.Message);
        await Assert.ThrowsAsync<Tood.CommandLine.UsageException>(() => cmd.RunAsync(["--checkpoint", junk, "--output", dir.File("a.ckpt"), "--preset", "r101"], CancellationToken.None));
        await Assert.ThrowsAsync<Tood.CommandLine.UsageException>(() => cmd.RunAsync(["--checkpoint", junk, "--output", dir.File("a.ckpt"), "--input-size", "1333x800"], CancellationToken.None));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.ckpt*"));
    }

    /// <summary>What mmcv's save_checkpoint puts next to the state dict (meta + SGD optimizer state).</summary>
    internal static Dictionary<string, object> MmcvExtras(IReadOnlyList<string> classes, Tensor momentum) => new()
    {
        ["meta"] = new System.Collections.Hashtable
        {
            ["mmdet_version"] = "2.25.0",
            ["CLASSES"] = classes.Cast<object>().ToArray(),
            ["epoch"] = 12,
            ["iter"] = 87960,
            ["config"] = "model = dict(type='TOOD', ...)",
        },
        ["optimizer"] = new System.Collections.Hashtable
        {
            ["state"] = new System.Collections.Hashtable { [0] = new System.Collections.Hashtable { ["momentum_buffer"] = momentum } },
            ["param_groups"] = new System.Collections.ArrayList { new System.Collections.Hashtable { ["lr"] = 0.01, ["momentum"] = 0.9 } },
        },
    };
}
