using Tood.Train.Data;
using Tood.Train.Data.Augment;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Data;

/// <summary>Mosaic batches from real coco128 photos through the training <see cref="DataLoader"/>.</summary>
public class MosaicLoaderTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly CocoDetectionDataset _ds;

    public MosaicLoaderTests() => _ds = Coco128Fixture.Load(_dir, 12);

    public void Dispose() => _dir.Dispose();

    private DataLoader Loader(double mosaic, int seed = 3) =>
        new(_ds, new DataLoaderOptions(4, ImageSizeSpec.Square(256), Shuffle: true, new AugmentOptions(MosaicProbability: mosaic), seed, Workers: 2));

    private static async Task<Batch> First(DataLoader l)
    {
        await foreach (var b in l.ReadEpochAsync(0)) return b;
        throw new InvalidOperationException("no batch");
    }

    [Fact]
    public async Task Mosaic_batches_are_full_canvases_with_boxes_inside_and_repeat_exactly_for_a_seed()
    {
        using var a = await First(Loader(1));
        using var again = await First(Loader(1));
        using var single = await First(Loader(0));
        Assert.Equal([4L, 3, 256, 256], a.Images.shape);
        Assert.All(a.ContentSizes, s => Assert.Equal((256, 256), s));
        Assert.True(a.Images.allclose(again.Images, 0, 0), "same seed, same epoch: the same mosaics");
        Assert.False(a.Images.allclose(single.Images, 0, 0));
        int total = 0;
        for (int i = 0; i < a.Size; i++)
        {
            Assert.True(a.GtBoxes[i].allclose(again.GtBoxes[i], 0, 0));
            var boxes = a.GtBoxes[i].data<float>().ToArray();
            total += boxes.Length / 4;
            for (int k = 0; k < boxes.Length; k += 4)
            {
                Assert.InRange(boxes[k], 0f, 255f);
                Assert.InRange(boxes[k + 1], 0f, 255f);
                Assert.InRange(boxes[k + 2], boxes[k] + 1, 256f);
                Assert.InRange(boxes[k + 3], boxes[k + 1] + 1, 256f);
            }
        }
        // Four photos per canvas: more objects per sample than single images (12 val2017 photos hold 7.7 boxes each).
        Assert.True(total > single.GtBoxes.Sum(g => (int)g.shape[0]), $"{total} mosaic boxes");
    }

    [Fact]
    public void Mosaic_needs_a_square_size()
    {
        var o = new Tood.Train.Training.TrainOptions { TrainAnnotations = "a.json", TrainImages = "img", RunDir = "r", Mosaic = 0.5, ImageSize = ImageSizeSpec.Mmdet1333x800 };
        var e = Assert.Throws<Tood.CommandLine.UsageException>(o.Validate);
        Assert.Equal("--mosaic needs a square --imgsz (a mosaic is one S×S canvas)", e.Message);
    }
}
