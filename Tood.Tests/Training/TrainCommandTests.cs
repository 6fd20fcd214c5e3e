using Tood.CommandLine;
using Tood.Train.Cli;
using Tood.Train.Data;
using Tood.Train.Model;
using Tood.Train.Training;
using Xunit;

namespace Tood.Tests.Training;

public class TrainCommandTests
{
    private static readonly string[] Base = ["--data", "a.json", "--images", "img", "--out", "run"];

    [Fact]
    public void Yolo_and_voc_data_need_no_images_folder_and_take_split_classes_and_backbone_policy()
    {
        var o = TrainCommand.Parse(["--data", "d/data.yaml", "--out", "run", "--split", "train2017", "--val-data", "voc", "--val-split", "trainval",
            "--classes", "person,car", "--frozen-stages", "-1", "--backbone-norm", "train", "--preset", "r18mlnet", "--backbone-weights", "resnet18-mlnet"]);
        Assert.Equal(("train2017", "trainval", null, (string?)null), (o.TrainSplit, o.ValSplit, o.TrainImages, o.ValImages));
        Assert.Equal(["person", "car"], o.Classes!);
        var cfg = o.ResolveModel(2);
        Assert.Equal((-1, false, false), (cfg.FrozenStages, cfg.NormEval, cfg.FreezeNormAffine));
        var d = TrainCommand.Parse(["--data", "d/data.yaml", "--out", "run", "--preset", "r18mlnet"]).ResolveModel(1);
        Assert.Equal((1, true, true), (d.FrozenStages, d.NormEval, d.FreezeNormAffine));
        Assert.Contains("--images DIR is needed", Assert.Throws<UsageException>(() => TrainCommand.Parse(["--data", "a.json", "--out", "run"])).Message);
    }

    [Fact]
    public void Parses_options_with_spec_defaults()
    {
        var o = TrainCommand.Parse([.. Base, "--preset", "r18", "--head", "parallel", "--schedule", "cosine", "--clip-grad", "35", "--accumulate", "4", "--resume"]);
        Assert.Equal(("r18", HeadKind.Parallel, ScheduleKind.Cosine, 35.0, 4, true), (o.Preset, o.Head, o.Schedule, o.ClipGrad!.Value, o.Accumulate, o.Resume));
        var d = TrainCommand.Parse(Base);
        Assert.Equal((0.01, 500, 4, 12, 16, (double?)null), (d.Lr, d.WarmupIters, d.WarmupEpochs, d.Epochs, d.BatchSize, d.ClipGrad));
    }

    [Fact]
    public void Gradient_clipping_defaults_to_10_for_the_small_presets_and_to_none_for_r50()
    {
        // The small presets fine-tune on a few photos, where one unclipped step at lr 0.01 can throw every box off its
        // object for good (BENCHMARKS.md §15); r50 keeps the paper's config (no clipping). 0 turns clipping off.
        double? Clip(params string[] args) => TrainCommand.Parse([.. Base, .. args]).EffectiveClipGrad;
        Assert.Equal(10.0, Clip());                                  // tiny, the default preset
        Assert.Equal(10.0, Clip("--preset", "r18mlnet"));
        Assert.Null(Clip("--preset", "r50"));
        Assert.Null(Clip("--clip-grad", "0"));
        Assert.Equal(35.0, Clip("--preset", "r50", "--clip-grad", "35"));
        Assert.Contains("--clip-grad must be ≥ 0", Assert.ThrowsAny<Exception>(() => TrainCommand.Parse([.. Base, "--clip-grad", "-1"])).Message);
    }

    [Fact]
    public void Data_recipe_follows_the_preset_unless_told_otherwise()
    {
        var r50 = new TrainOptions { TrainAnnotations = "a", TrainImages = "i", RunDir = "r", Preset = "r50" };
        Assert.Equal(ImageSizeSpec.Mmdet1333x800, r50.EffectiveImageSize);          // spec §5: keep-ratio 1333x800, pad 32
        Assert.Equal((0.5, 1.0, 1.0), (r50.EffectiveAugment.FlipProbability, r50.EffectiveAugment.MinScale, r50.EffectiveAugment.MaxScale)); // flip only
        var tiny = r50 with { Preset = "tiny" };
        Assert.Equal(ImageSizeSpec.Square(512), tiny.EffectiveImageSize);
        Assert.Equal((0.75, 1.25), (tiny.EffectiveAugment.MinScale, tiny.EffectiveAugment.MaxScale));
        Assert.Equal((1.0, 1.0), ((tiny with { FlipOnly = true }).EffectiveAugment.MinScale, (tiny with { FlipOnly = true }).EffectiveAugment.MaxScale));
        Assert.Equal(ImageSizeSpec.KeepRatioScale(1024, 640), (tiny with { ImageSize = ImageSizeSpec.KeepRatioScale(1024, 640) }).EffectiveImageSize);
        // Through the CLI: --imgsz S|WxH, --scale-jitter turns jitter on for r50, --flip-only turns it off for tiny.
        var cli = TrainCommand.Parse([.. Base, "--preset", "r50", "--imgsz", "640", "--scale-jitter", "0.8,1.2"]);
        Assert.Equal(ImageSizeSpec.Square(640), cli.EffectiveImageSize);
        Assert.Equal((0.8, 1.2), (cli.EffectiveAugment.MinScale, cli.EffectiveAugment.MaxScale));
        Assert.Equal(ImageSizeSpec.Mmdet1333x800, TrainCommand.Parse([.. Base, "--preset", "r50"]).EffectiveImageSize);
        var keep = TrainCommand.Parse([.. Base, "--imgsz", "1024x640", "--flip-only"]);
        Assert.Equal((ImageSizeSpec.KeepRatioScale(1024, 640), true), (keep.EffectiveImageSize, keep.FlipOnly));
        Assert.Equal((1.0, 1.0), (keep.EffectiveAugment.MinScale, keep.EffectiveAugment.MaxScale));
        Assert.Equal("--flip-only and --scale-jitter exclude each other",
            Assert.Throws<UsageException>(() => TrainCommand.Parse([.. Base, "--flip-only", "--scale-jitter", "1,1"])).Message);
    }

    [Theory]
    [InlineData("--imgsz", "100", "--imgsz: square size must be a positive multiple of 32, got 100")]
    [InlineData("--imgsz", "1333x16", "--imgsz: keep-ratio scale must be at least 32x32, got 1333x16")]
    [InlineData("--imgsz", "big", "--imgsz: expected S (square letterbox, a multiple of 32) or WxH (keep-ratio, e.g. 1333x800), got 'big'")]
    [InlineData("--schedule", "poly", "--schedule must be step|cosine, got 'poly'")]
    [InlineData("--preset", "r101", "--preset must be tiny|r18|r18mlnet|r50, got 'r101'")]
    [InlineData("--bogus", "1", "unknown option --bogus")]
    public void Bad_options_are_one_line_usage_errors(string name, string value, string message)
    {
        var e = Assert.Throws<UsageException>(() => TrainCommand.Parse([.. Base, name, value]));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task Missing_annotation_file_exits_1()
    {
        var code = await Tood.Train.Program.RunAsync(["train", "--data", "/nonexistent/a.json", "--images", "/tmp", "--out", Path.Combine(Path.GetTempPath(), "tood-run-missing"), "--device", "cpu"]);
        Assert.Equal(1, code);
    }
}
