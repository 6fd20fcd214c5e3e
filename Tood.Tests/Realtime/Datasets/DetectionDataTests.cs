using Tood.Realtime.Coco;
using Tood.Realtime.Datasets;
using Tood.Tests.Data;
using Xunit;

namespace Tood.Tests.Realtime.Datasets;

/// <summary>The format resolver and the real coco128 data (../shared).</summary>
public class DetectionDataTests
{
    [Fact]
    public void Format_is_told_from_the_path()
    {
        using var dir = new TempDir();
        DatasetFixtures.Image(dir["y/images/train/a.png"], 8, 8);
        DatasetFixtures.Text(dir["y/data.yaml"], "train: images/train\nnames: [a]\n");
        DatasetFixtures.Image(dir["v/a.jpg"], 8, 8);
        DatasetFixtures.Text(dir["v/a.xml"], "<annotation><filename>a.jpg</filename></annotation>");
        new CocoFile { Images = [new CocoImage { Id = 1, FileName = "a.png", Width = 8, Height = 8 }] }.Save(dir["c.json"]);

        Assert.Equal(DatasetFormat.Coco, DetectionData.Load(dir["c.json"], images: dir["y/images/train"]).Format);
        Assert.Equal(DatasetFormat.Yolo, DetectionData.Load(dir["y/data.yaml"]).Format);
        Assert.Equal(DatasetFormat.Yolo, DetectionData.Load(dir["y"]).Format);
        Assert.Equal(DatasetFormat.Voc, DetectionData.Load(dir["v"]).Format);
        Assert.Contains("needs its image folder", Assert.Throws<InvalidDataException>(() => DetectionData.Load(dir["c.json"])).Message);
        Directory.CreateDirectory(dir["empty"]);
        Assert.Contains("cannot tell the dataset format", Assert.Throws<InvalidDataException>(() => DetectionData.Load(dir["empty"])).Message);
        Assert.Contains("'dog' is not a class", Assert.Throws<InvalidDataException>(() => DetectionData.Load(dir["y"]).WithClasses(["dog"])).Message);
    }

    [Fact]
    public void Coco128_person_boxes_match_its_readme()
    {
        var yaml = Path.Combine(SharedData.Coco128, "data.yaml");
        var train = DetectionData.Load(yaml, "train");
        var val = DetectionData.Load(yaml, "val").WithClasses(["person"]);
        Assert.Equal(80, train.Coco.Categories.Count);
        Assert.Equal((128, 128), (train.Coco.Images.Count, val.Coco.Images.Count));
        // README: person 261 train / 350 val. 7 of the 261 are in labels/train2017/000000000656.txt and
        // …659.txt, whose images are not in the folder (Ultralytics, too, reads labels from images).
        Assert.Equal(254, train.Coco.Annotations.Count(a => a.CategoryId == 0));
        Assert.Equal(350, val.Coco.Annotations.Count);
        var car = Assert.Single(train.Coco.Categories, c => c.Name == "car");
        Assert.Equal(2, car.Id);
        Assert.All(train.Coco.Annotations, a => Assert.True(a.Bbox[0] >= -1e-3 && a.Bbox[2] > 0));   // labels round to 1e-6: x1 ≥ −0.0003 px
    }
}
