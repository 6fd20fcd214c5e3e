using Tood.Realtime.Datasets;
using Tood.Tests.Data;
using Xunit;

namespace Tood.Tests.Realtime.Datasets;

/// <summary>Pascal VOC XML folders → in-memory COCO (1-based inclusive pixel boxes, difficult → ignored).</summary>
public class VocDatasetTests
{
    private static string Xml(string file, int w, int h, params (string Name, int Difficult, string Box)[] objects) =>
        $"<annotation>\n  <filename>{file}</filename>\n  <size><width>{w}</width><height>{h}</height><depth>3</depth></size>\n"
        + string.Concat(objects.Select(o => $"  <object>\n    <name>{o.Name}</name>\n    <difficult>{o.Difficult}</difficult>\n    <bndbox>{o.Box}</bndbox>\n  </object>\n"))
        + "</annotation>\n";

    private static string Box(double x1, double y1, double x2, double y2) => $"<xmin>{x1}</xmin><ymin>{y1}</ymin><xmax>{x2}</xmax><ymax>{y2}</ymax>";

    [Fact]
    public void Standard_layout_split_list_one_based_boxes_and_difficult()
    {
        using var dir = new TempDir();
        DatasetFixtures.Image(dir["voc/JPEGImages/0001.jpg"], 50, 40);
        DatasetFixtures.Image(dir["voc/JPEGImages/0002.jpg"], 50, 40);
        DatasetFixtures.Text(dir["voc/Annotations/0001.xml"], Xml("0001.jpg", 50, 40, ("person", 0, Box(1, 1, 10, 20)), ("car", 1, Box(21, 11, 50, 40))));
        DatasetFixtures.Text(dir["voc/Annotations/0002.xml"], Xml("0002.jpg", 50, 40, ("dog", 0, Box(5, 5, 6, 6))));
        DatasetFixtures.Text(dir["voc/ImageSets/Main/train.txt"], "0001\n");
        var coco = VocDataset.Load(dir["voc"], "train");

        Assert.Equal(VocDataset.VocClasses, coco.Categories.Select(c => c.Name));
        var img = Assert.Single(coco.Images);
        Assert.Equal((50, 40), (img.Width, img.Height));
        var person = coco.Annotations[0];
        Assert.Equal(14, person.CategoryId);                            // VOC order: person is the 15th class
        Assert.Equal([0.0, 0.0, 10.0, 20.0], person.Bbox);              // pixels 1..10 × 1..20 = [0,10] × [0,20]
        Assert.Equal(0, person.IsCrowd);
        var car = coco.Annotations[1];
        Assert.Equal([20.0, 10.0, 30.0, 30.0], car.Bbox);               // 21..50 × 11..40 reaches the image edge exactly
        Assert.Equal(1, car.IsCrowd);                                   // difficult → ignored in training and evaluation
        Assert.Equal(2, VocDataset.Load(dir["voc"], "val").Images.Count);  // no val.txt: every annotation file
    }

    [Fact]
    public void Flat_folder_with_custom_classes_sorts_the_names_of_every_file()
    {
        using var dir = new TempDir();
        DatasetFixtures.Image(dir["f/a.png"], 30, 30);
        DatasetFixtures.Image(dir["f/b.png"], 30, 30);
        DatasetFixtures.Text(dir["f/a.xml"], Xml("a.png", 0, 0, ("widget", 0, Box(1, 1, 30, 30))));
        DatasetFixtures.Text(dir["f/b.xml"], Xml("b.png", 30, 30, ("bolt", 0, Box(2.5, 3, 4, 5))));
        var coco = VocDataset.Load(dir["f"], "train");
        Assert.Equal(["bolt", "widget"], coco.Categories.Select(c => c.Name));
        Assert.Equal((30, 30), (coco.Images[0].Width, coco.Images[0].Height));  // size 0 in the XML: read from the image
        Assert.Equal([1.5, 2.0, 2.5, 3.0], coco.Annotations[1].Bbox);
    }

    [Theory]
    [InlineData("<annotation><object><name>a</name><bndbox><xmin>5</xmin><ymin>1</ymin><xmax>2</xmax><ymax>3</ymax></bndbox></object></annotation>", "a.xml:1: <bndbox> of 'a' has xmax < xmin")]
    [InlineData("<annotation>\n<object>\n<name>a</name>\n<bndbox><xmin>x</xmin><ymin>1</ymin><xmax>2</xmax><ymax>3</ymax></bndbox></object></annotation>", "a.xml:4: <xmin> 'x' is not a number")]
    [InlineData("<annotation>\n<object><name>a</name></object>\n</annotation>", "a.xml:2: <object> 'a' has no <bndbox>")]
    [InlineData("<annotation>\n<object>", "a.xml:2: malformed XML")]
    public void A_bad_xml_is_one_line_naming_file_and_line(string xml, string expected)
    {
        using var dir = new TempDir();
        DatasetFixtures.Image(dir["f/a.jpg"], 10, 10);
        DatasetFixtures.Text(dir["f/a.xml"], xml);
        var e = Assert.Throws<InvalidDataException>(() => VocDataset.Load(dir["f"], "train"));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
