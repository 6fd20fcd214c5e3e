using Tood.Realtime.Coco;
using Tood.Train.Data.Synth;
using Xunit;

namespace Tood.Tests.Data;

public class SynthGeneratorTests
{
    [Fact]
    public void Same_seed_gives_identical_files_and_different_seed_differs()
    {
        using var d = new TempDir();
        new SynthGenerator(7, 96, 64).WriteDataset(d["a"], 6);
        new SynthGenerator(7, 96, 64).WriteDataset(d["b"], 6, maxParallel: 1);
        new SynthGenerator(8, 96, 64).WriteDataset(d["c"], 6);
        Assert.Equal(File.ReadAllBytes(d["a/annotations.json"]), File.ReadAllBytes(d["b/annotations.json"]));
        for (int i = 0; i < 6; i++)
        {
            var f = "images/" + SynthGenerator.FileName(i);
            Assert.Equal(File.ReadAllBytes(Path.Combine(d["a"], f)), File.ReadAllBytes(Path.Combine(d["b"], f)));
        }
        Assert.NotEqual(File.ReadAllBytes(d["a/annotations.json"]), File.ReadAllBytes(d["c/annotations.json"]));
        Assert.NotEqual(File.ReadAllBytes(d["a/images/000000.png"]), File.ReadAllBytes(d["c/images/000000.png"]));
    }

    [Fact]
    public void Annotations_are_valid_coco_with_boxes_inside_the_image_and_sizes_in_range()
    {
        using var d = new TempDir();
        var coco = new SynthGenerator(1, 128, 96).WriteDataset(d.Path, 30);
        var reread = CocoFile.Load(d["annotations.json"]);
        Assert.Equal(30, reread.Images.Count);
        Assert.Equal(6, reread.Categories.Count);
        Assert.Equal(coco.Annotations.Count, reread.Annotations.Count);
        Assert.True(reread.Annotations.Count >= 30, "every image has at least one shape");
        Assert.Equal(reread.Annotations.Count, reread.Annotations.Select(a => a.Id).Distinct().Count());
        var kinds = reread.Annotations.Select(a => a.CategoryId).Distinct().Count();
        Assert.True(kinds >= 5, $"30 images should show at least 5 of the 6 classes, got {kinds}");
        foreach (var a in reread.Annotations)
        {
            Assert.Equal(0, a.IsCrowd);
            Assert.InRange(a.Bbox[0], 0, 128);
            Assert.InRange(a.Bbox[1], 0, 96);
            Assert.InRange(a.Bbox[0] + a.Bbox[2], 1, 128);
            Assert.InRange(a.Bbox[1] + a.Bbox[3], 1, 96);
            // The longest box side never exceeds the largest shape diameter (45 % of the short side, + rounding).
            Assert.True(Math.Max(a.Bbox[2], a.Bbox[3]) <= 0.45 * 96 + 2, $"box {a.Id} too big");
            Assert.True(a.Area > 0 && a.Area <= a.Bbox[2] * a.Bbox[3]);
        }
    }

    [Fact]
    public void Occluded_shape_keeps_at_least_half_its_pixels_and_its_box_covers_only_visible_pixels()
    {
        var gen = new SynthGenerator(0, 100, 100);
        var square = new SynthShape(ShapeKind.Square, 50, 50, 20 * Math.Sqrt(2), 0, new OpenCvSharp.Scalar(255, 0, 0));
        // An axis-aligned square of half-side 20 covers x,y in [30,70]; a second square covers the right part.
        var cover = square with { Cx = 80, Cy = 50 };
        var objs = gen.Measure([square, cover], 0);
        Assert.Equal(2, objs.Count);
        Assert.Equal(30, objs[0].X1);
        Assert.Equal(60, objs[0].X2); // right edge hidden under the cover square (starts at x=60)
        Assert.Equal(30, objs[0].Y1);
        Assert.Equal(71, objs[0].Y2);
        Assert.Equal(60, objs[1].X1);
    }

    [Fact]
    public void Video_writes_one_gt_image_per_frame_and_moving_boxes()
    {
        using var d = new TempDir();
        var gen = new SynthGenerator(5, 128, 128);
        var gt = SynthVideo.Write(gen, d["v.mp4"], 12).Coco;
        Assert.True(new FileInfo(d["v.mp4"]).Length > 0);
        Assert.Equal(12, gt.Images.Count);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), gt.Images.Select(i => i.Id));
        var first = gt.Annotations.Where(a => a.ImageId == 1).Select(a => a.Bbox[0]).ToList();
        var last = gt.Annotations.Where(a => a.ImageId == 12).Select(a => a.Bbox[0]).ToList();
        Assert.NotEmpty(first);
        Assert.NotEqual(first, last);
        using var cap = new OpenCvSharp.VideoCapture(d["v.mp4"]);
        Assert.True(cap.IsOpened());
        Assert.Equal(12, (int)cap.Get(OpenCvSharp.VideoCaptureProperties.FrameCount));
    }
}
