using Tood.Realtime.Datasets;
using Tood.Tests.Data;
using Xunit;

namespace Tood.Tests.Realtime.Datasets;

/// <summary>YOLO (Ultralytics / Roboflow) data.yaml + labels → in-memory COCO, on hand-written fixtures.</summary>
public class YoloDatasetTests
{
    /// <summary>root/images/{train,val}, root/labels/..., data.yaml with path/train/val keys.</summary>
    private static string Fixture(TempDir dir, string yaml, params (string Split, string Name, int W, int H, string? Labels)[] images)
    {
        foreach (var (split, name, w, h, labels) in images)
        {
            DatasetFixtures.Image(dir[$"ds/images/{split}/{name}.png"], w, h);
            if (labels is not null) DatasetFixtures.Text(dir[$"ds/labels/{split}/{name}.txt"], labels);
        }
        return DatasetFixtures.Text(dir["ds/data.yaml"], yaml);
    }

    [Fact]
    public void Normalised_centre_boxes_and_polygons_become_pixel_coco_boxes()
    {
        using var dir = new TempDir();
        var yaml = Fixture(dir, "path: .\ntrain: images/train\nval: images/val\nnames:\n  0: person\n  1: car\n",
            ("train", "a", 200, 100, "1 0.5 0.5 0.2 0.4\n\n0 0.1 0.2 0.3 0.2 0.2 0.6\n"),
            ("train", "b", 64, 32, null),          // no label file: an image without objects
            ("val", "c", 10, 10, "0 0.5 0.5 1 1\n"));
        var coco = YoloDataset.Load(YoloDataYaml.Read(yaml), "train");

        Assert.Equal(["person", "car"], coco.Categories.Select(c => c.Name));
        Assert.Equal([0, 1], coco.Categories.Select(c => c.Id));
        Assert.Equal([(1L, 200, 100), (2L, 64, 32)], coco.Images.Select(i => (i.Id, i.Width, i.Height)));
        Assert.Equal(2, coco.Annotations.Count);
        var car = coco.Annotations[0];
        Assert.Equal((1, 1L), (car.CategoryId, car.ImageId));
        Assert.Equal([80.0, 30.0, 40.0, 40.0], car.Bbox.Select(v => Math.Round(v, 9)));   // (0.5∓0.1)·200, (0.5∓0.2)·100
        Assert.Equal(1600.0, car.Area, 9);
        // polygon (0.1,0.2) (0.3,0.2) (0.2,0.6) → its bounding box x 0.1..0.3, y 0.2..0.6
        Assert.Equal([20.0, 20.0, 40.0, 40.0], coco.Annotations[1].Bbox.Select(v => Math.Round(v, 9)));
        Assert.Equal(Path.GetFullPath(dir["ds/images/train/a.png"]), coco.Images[0].FileName);
    }

    [Fact]
    public void Split_entries_may_be_lists_of_folders_and_txt_image_lists_and_names_a_list()
    {
        using var dir = new TempDir();
        DatasetFixtures.Image(dir["ds/images/x/1.jpg"], 20, 20);
        DatasetFixtures.Image(dir["ds/images/y/2.png"], 30, 10);
        DatasetFixtures.Image(dir["ds/images/z/3.png"], 40, 40);
        DatasetFixtures.Text(dir["ds/labels/z/3.txt"], "2 0.25 0.25 0.5 0.5\n");
        DatasetFixtures.Text(dir["ds/lists/val.txt"], "../images/z/3.png\n\n");
        var yaml = DatasetFixtures.Text(dir["ds/data.yaml"], "path: .\ntrain: [images/x, images/y]\nval: lists/val.txt\nnc: 3\nnames: [a, b, c]\n");
        var data = YoloDataYaml.Read(yaml);

        Assert.Equal(2, YoloDataset.Load(data, "train").Images.Count);
        var val = YoloDataset.Load(data, "val");
        Assert.Equal([0.0, 0.0, 20.0, 20.0], Assert.Single(val.Annotations).Bbox);     // (0.25 − 0.5/2)·40, 0.5·40
        Assert.Equal(2, val.Annotations[0].CategoryId);
    }

    [Theory]
    [InlineData("0 0.5 0.5 0.2\n", "a.txt:1: expected 'class cx cy w h'")]
    [InlineData("0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.2 0.2\n", "a.txt:2: class id 7 is outside 0..1 (names has 2 classes)")]
    [InlineData("x 0.5 0.5 0.2 0.2\n", "a.txt:1: class id 'x' is not an integer")]
    [InlineData("1 0.5 nan 0.2 0.2\n", "a.txt:1: value 3 'nan' is not a number")]
    [InlineData("1 50 50 20 20\n", "a.txt:1: coordinates must be normalised to 0..1")]
    public void A_bad_label_line_is_one_line_naming_file_and_line(string labels, string expected)
    {
        using var dir = new TempDir();
        var yaml = Fixture(dir, "train: images/train\nnames: [person, car]\n", ("train", "a", 10, 10, labels));
        var e = Assert.Throws<InvalidDataException>(() => YoloDataset.Load(YoloDataYaml.Read(yaml), "train"));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("train: images/train\nnames:\n  0: a\n  2: b\n", "data.yaml:3: names: class ids must be 0..1, got 0,2")]
    [InlineData("train: images/train\nnc: 3\nnames: [a, b]\n", "data.yaml:2: nc is 3 but names has 2 classes")]
    [InlineData("train: images/train\n", "data.yaml:1: no 'names' key")]
    [InlineData("train: [images/train\nnames: [a]\n", "data.yaml:")]
    public void A_bad_data_yaml_is_one_line_naming_file_and_line(string yaml, string expected)
    {
        using var dir = new TempDir();
        var path = Fixture(dir, yaml, ("train", "a", 10, 10, null));
        var e = Assert.Throws<InvalidDataException>(() => YoloDataYaml.Read(path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Missing_split_is_named()
    {
        using var dir = new TempDir();
        var yaml = Fixture(dir, "train: images/train\nnames: [a]\n", ("train", "a", 10, 10, null));
        var e = Assert.Throws<InvalidDataException>(() => YoloDataset.Load(YoloDataYaml.Read(yaml), "val"));
        Assert.Contains("no 'val' split (has train)", e.Message);
    }

    [Theory]
    [InlineData("/d/images/train/a.jpg", "/d/labels/train/a.txt")]
    [InlineData("/images/d/images/x.png", "/images/d/labels/x.txt")]   // only the last /images/ is replaced
    public void Label_path_follows_ultralytics(string image, string label) =>
        Assert.Equal(label, YoloDataYaml.LabelPath(image));
}
