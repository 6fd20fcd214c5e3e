using Tood.Train.Cli;
using Tood.Train.Data;
using Xunit;

namespace Tood.Tests.Data;

/// <summary>
/// <c>tood-train train --keep-empty</c>: images without a box of the training classes are trained on as pure
/// negatives instead of skipped (mmdet's filter_empty_gt). Shown on coco128 val2017 cut to persons: 128 photos, of
/// which the YOLO label files give a person to 73.
/// </summary>
public class KeepEmptyLoaderTests
{
    private static readonly CocoDetectionDataset Persons =
        CocoDetectionDataset.Open(Path.Combine(SharedData.Coco128, "data.yaml"), null, "val", ["person"], warn: _ => { });

    private static int PhotosWithAPerson() =>
        Directory.GetFiles(Path.Combine(SharedData.Coco128, "labels", "val2017"), "*.txt")
            .Count(f => File.ReadLines(f).Any(l => l.StartsWith("0 ", StringComparison.Ordinal)));

    private static DataLoader Loader(bool skipEmpty) =>
        new(Persons, new DataLoaderOptions(16, ImageSizeSpec.Square(128), Shuffle: true, Augment: null, Seed: 1, SkipEmpty: skipEmpty, Workers: 2));

    [Fact]
    public async Task Empty_photos_are_skipped_by_default_and_trained_on_as_negatives_when_kept()
    {
        Assert.Equal(73, PhotosWithAPerson());
        Assert.Equal(128, Persons.Images.Count);
        Assert.Equal(73, Loader(skipEmpty: true).SampleCount);

        var kept = Loader(skipEmpty: false);
        Assert.Equal(128, kept.SampleCount);
        var seen = new List<long>();
        int empty = 0;
        await foreach (var b in kept.ReadEpochAsync(0))
            using (b)
                for (int i = 0; i < b.Size; i++)
                {
                    seen.Add(b.ImageIds[i]);
                    Assert.Equal(b.GtBoxes[i].shape[0], b.GtLabels[i].shape[0]);
                    if (b.GtBoxes[i].shape[0] == 0) empty++;
                }
        Assert.Equal(Persons.Images.Select(i => i.Id).Order(), seen.Order());     // every photo once per epoch
        Assert.Equal(128 - 73, empty);
    }

    [Fact]
    public void The_cli_flag_sets_the_option_and_it_is_off_by_default()
    {
        string[] args = ["--data", "d/data.yaml", "--out", "run"];
        Assert.False(TrainCommand.Parse(args).KeepEmpty);
        Assert.True(TrainCommand.Parse([.. args, "--keep-empty"]).KeepEmpty);
    }
}
