using Tood.Realtime.Coco;
using Tood.Train.Data;
using Xunit;
using static Tood.Tests.Data.CocoFixture;

namespace Tood.Tests.Data;

public class CocoDetectionDatasetTests
{
    [Fact]
    public void Loads_targets_excluding_crowd_clipping_and_dropping_tiny_boxes()
    {
        using var d = new TempDir();
        var coco = new CocoFile
        {
            Categories = Cats(7, 3), // unordered on purpose: class index follows ascending id
            Images = [Image(d, 10, 100, 50), Image(d, 11, 40, 40)],
            Annotations =
            [
                Ann(1, 10, 7, 10, 5, 20, 10),          // normal → class 1 (id 7)
                Ann(2, 10, 3, 90, -5, 30, 20),         // clipped to [90,0,100,15]
                Ann(3, 10, 3, 0, 0, 50, 50, crowd: 1), // crowd → ignore list
                Ann(4, 10, 7, 30, 30, 0, 10),          // zero width → dropped
                Ann(5, 10, 7, 99.5, 10, 10, 10),       // 10 px annotated, 0.5 px inside the image → kept, like mmdet
                Ann(6, 10, 3, 20, 20, 0.8, 10),        // annotated 0.8 px wide → dropped (original scale, mmdet w < 1)
                Ann(7, 10, 3, 100, 20, 5, 5),          // entirely right of the 100 px image: no area inside → dropped
            ],
        };
        var warnings = new List<string>();
        var ds = CocoDetectionDataset.Load(Save(d, coco), d["img"], warn: warnings.Add);

        Assert.Equal([3, 7], ds.Categories.CategoryIds);
        Assert.Equal(3, ds.DroppedBoxes);
        Assert.Equal(1, ds.CrowdCount);
        Assert.Single(warnings);
        Assert.Contains("dropped 3 box(es) under 1 px wide or high, or outside their image", warnings[0]);
        var im = ds.Images[0];
        Assert.Equal([1, 0, 1], im.Labels);
        Assert.Equal([10f, 5f, 30f, 15f, 90f, 0f, 100f, 15f, 99.5f, 10f, 100f, 20f], im.Boxes);
        Assert.Equal([0f, 0f, 50f, 50f], im.CrowdBoxes);
        Assert.Equal(0, ds.Images[1].Count); // image without annotations is kept
        Assert.Equal(7, ds.Coco.Annotations.Count); // evaluation still sees the raw file
    }

    [Fact]
    public void Validation_set_uses_the_training_category_map()
    {
        using var d = new TempDir();
        var coco = new CocoFile { Categories = Cats(3, 7), Images = [Image(d, 1, 32, 32)], Annotations = [Ann(1, 1, 7, 1, 1, 5, 5)] };
        var map = new CategoryMap([7, 3], ["seven", "three"]);
        var ds = CocoDetectionDataset.Load(Save(d, coco), d["img"], map);
        Assert.Equal([0], ds.Images[0].Labels);
    }

    [Fact]
    public void Missing_image_file_names_the_file_and_image_id()
    {
        using var d = new TempDir();
        var img = Image(d, 5, 32, 32);
        img.FileName = "nope.png";
        var path = Save(d, new CocoFile { Categories = Cats(1), Images = [img] });
        var e = Assert.Throws<FileNotFoundException>(() => CocoDetectionDataset.Load(path, d["img"]));
        Assert.Contains("nope.png: image file not found (image id 5 in " + path + ")", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Unknown_category_id_names_annotation_image_and_id()
    {
        using var d = new TempDir();
        var path = Save(d, new CocoFile { Categories = Cats(1), Images = [Image(d, 2, 32, 32)], Annotations = [Ann(9, 2, 42, 1, 1, 5, 5)] });
        var e = Assert.Throws<InvalidDataException>(() => CocoDetectionDataset.Load(path, d["img"]));
        Assert.Equal($"{path}: annotation 9 (image 2) has unknown category id 42", e.Message);
    }

    [Fact]
    public void Empty_dataset_and_malformed_json_are_one_line_errors()
    {
        using var d = new TempDir();
        Directory.CreateDirectory(d["img"]);
        var empty = Save(d, new CocoFile { Categories = Cats(1) });
        Assert.Equal($"{empty}: empty dataset (no images)", Assert.Throws<InvalidDataException>(() => CocoDetectionDataset.Load(empty, d["img"])).Message);

        File.WriteAllText(d["bad.json"], "{ \"images\": [ {\"id\": 1,, } ");
        var e = Assert.Throws<InvalidDataException>(() => CocoDetectionDataset.Load(d["bad.json"], d["img"]));
        Assert.StartsWith(d["bad.json"] + ": malformed COCO JSON at line 1", e.Message);
    }

    [Fact]
    public void Annotation_for_unknown_image_is_an_error()
    {
        using var d = new TempDir();
        var path = Save(d, new CocoFile { Categories = Cats(1), Images = [Image(d, 2, 32, 32)], Annotations = [Ann(4, 3, 1, 1, 1, 5, 5)] });
        Assert.Equal($"{path}: annotation 4 refers to unknown image id 3",
            Assert.Throws<InvalidDataException>(() => CocoDetectionDataset.Load(path, d["img"])).Message);
    }
}
