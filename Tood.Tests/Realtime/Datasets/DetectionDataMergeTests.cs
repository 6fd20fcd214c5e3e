using Tood.Realtime.Coco;
using Tood.Realtime.Datasets;
using Tood.Tests.Data;
using Tood.Train.Data;
using Xunit;

namespace Tood.Tests.Realtime.Datasets;

/// <summary>Several training sources as one dataset (<c>tood-train train --data A --data B</c>), classes by name.</summary>
public class DetectionDataMergeTests
{
    [Fact]
    public void Two_real_person_sets_train_as_one_with_every_image_and_box()
    {
        string coco = Path.Combine(SharedData.Coco128, "data.yaml"), capston = Path.Combine(SharedData.Capston2Person, "data.yaml");
        var a = CocoDetectionDataset.Open(coco, null, "train", ["person"], warn: _ => { });
        var b = CocoDetectionDataset.Open(capston, null, "train", ["person"], warn: _ => { });
        var both = CocoDetectionDataset.Open([coco, capston], null, "train", ["person"], warn: _ => { });

        Assert.Equal(["person"], both.Categories.Names);
        Assert.Equal(a.Images.Count + b.Images.Count, both.Images.Count);        // 128 + 2,885
        Assert.Equal(a.BoxCount + b.BoxCount, both.BoxCount);
        Assert.Equal(a.DroppedBoxes + b.DroppedBoxes, both.DroppedBoxes);
        Assert.Equal(both.Images.Count, both.Images.Select(i => i.Id).Distinct().Count());
        // The same photo keeps its boxes: the first capston2 image is image 129 of the union.
        var first = b.Images[0];
        var same = both.Images[a.Images.Count];
        Assert.Equal(first.Path, same.Path);
        Assert.Equal(first.Boxes, same.Boxes);
        Assert.Equal(2, both.SourceSummaries.Count);
        Assert.StartsWith("data.yaml (train) [person]: 128 images, 254 boxes", both.SourceSummaries[0]);
    }

    [Fact]
    public void Classes_are_matched_by_name_and_a_class_no_source_has_is_an_error()
    {
        using var dir = new TempDir();
        // a: {0 cat, 1 dog}; b: {0 dog, 1 bird} — b's dog must become a's dog (id 1), bird a new id (2).
        DatasetFixtures.Image(dir["a/images/train/1.png"], 10, 10);
        DatasetFixtures.Text(dir["a/labels/train/1.txt"], "0 0.5 0.5 0.2 0.2\n1 0.3 0.3 0.2 0.2\n");
        DatasetFixtures.Text(dir["a/data.yaml"], "train: images/train\nnames: [cat, dog]\n");
        DatasetFixtures.Image(dir["b/images/train/1.png"], 20, 20);
        DatasetFixtures.Text(dir["b/labels/train/1.txt"], "0 0.5 0.5 0.5 0.5\n1 0.25 0.25 0.1 0.1\n");
        DatasetFixtures.Text(dir["b/data.yaml"], "train: images/train\nnames: [dog, bird]\n");

        var merged = DetectionDataMerge.Merge([DetectionData.Load(dir["a/data.yaml"]), DetectionData.Load(dir["b/data.yaml"])]);
        Assert.Equal(["cat", "dog", "bird"], merged.Coco.Categories.Select(c => c.Name));
        Assert.Equal([0, 1, 2], merged.Coco.Categories.Select(c => c.Id));
        Assert.Equal([1L, 2L], merged.Coco.Images.Select(i => i.Id));
        Assert.Equal([0, 1, 1, 2], merged.Coco.Annotations.Select(x => x.CategoryId));
        Assert.Equal([1L, 1L, 2L, 2L], merged.Coco.Annotations.Select(x => x.ImageId));
        Assert.Equal([5.0, 5.0, 10.0, 10.0], merged.Coco.Annotations[2].Bbox, new DoubleTolerance(1e-6));   // b's dog, 20×20 image
        Assert.All(merged.Coco.Images, i => Assert.True(Path.IsPathRooted(i.FileName) && File.Exists(i.FileName)));

        // --classes dog,bird: a has no bird, b no cat — fine together; a class neither has is named.
        var both = CocoDetectionDataset.Open([dir["a/data.yaml"], dir["b/data.yaml"]], null, "train", ["dog", "bird"]);
        Assert.Equal(["dog", "bird"], both.Categories.Names);
        Assert.Equal(3, both.BoxCount);
        var e = Assert.Throws<InvalidDataException>(() => CocoDetectionDataset.Open([dir["a/data.yaml"], dir["b/data.yaml"]], null, "train", ["fish"]));
        Assert.Contains("'fish' is not a class", e.Message);
    }

    private sealed class DoubleTolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
