using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Train.Data;
using Tood.Train.Data.Augment;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Data;

/// <summary>Keep-ratio 1333×800 batches (spec §5) on real coco128 photos of both orientations.</summary>
public class KeepRatioLoaderTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly CocoDetectionDataset _ds;

    // The first four: 640x426, 586x640, 640x483, 375x500 (landscape, portrait, landscape, portrait).
    public KeepRatioLoaderTests() => _ds = Coco128Fixture.Load(_dir, 16);

    public void Dispose() => _dir.Dispose();

    private static async Task<List<Batch>> ReadAll(DataLoader l)
    {
        var list = new List<Batch>();
        await foreach (var b in l.ReadEpochAsync(0)) list.Add(b);
        return list;
    }

    [Fact]
    public async Task Batch_pads_to_the_largest_canvas_with_zeros_and_carries_each_content_extent()
    {
        var loader = new DataLoader(_ds, new DataLoaderOptions(4, ImageSizeSpec.Mmdet1333x800, Shuffle: false, Augment: null));
        var batches = await ReadAll(loader);
        try
        {
            var b = batches[0];
            // Own canvases (by hand, mmcv rescale + pad 32): 1216x800, 800x896, 1088x800, 800x1088 → batch 1216x1088.
            Assert.Equal([4L, 3, 1088, 1216], b.Images.shape);
            Assert.Equal([(1202, 800), (800, 874), (1060, 800), (800, 1067)], b.ContentSizes);
            Assert.Equal([(1216, 800), (800, 896), (1088, 800), (800, 1088)], b.Placements.Select(p => (p.CanvasWidth, p.CanvasHeight)));
            for (int i = 0; i < 4; i++)
            {
                using var scope = NewDisposeScope();
                var img = b.Images[i];
                var (w, h) = b.ContentSizes[i];
                // Everything right of / below the content is exactly 0 (mmdet pads after normalising).
                Assert.Equal(0f, img[.., ..h, w..].abs().sum().item<float>());
                Assert.Equal(0f, img[.., h.., ..].abs().sum().item<float>());
                Assert.True(img[.., h - 1, w - 1].abs().sum().item<float>() > 0);
            }

            // Content of image 1 = OpenCV INTER_LINEAR resize to 800x874, normalised.
            using var src = Cv2.ImRead(_ds.Images[1].Path);
            using var resized = new Mat();
            Cv2.Resize(src, resized, new OpenCvSharp.Size(800, 874), 0, 0, InterpolationFlags.Linear);
            var expected = new float[3 * 800 * 874];
            ImageTransform.ToNormalizedChw(resized, expected, ModelContract.DefaultMean, ModelContract.DefaultStd);
            using var actual = b.Images[1][.., ..874, ..800].contiguous();
            Assert.Equal(expected, actual.data<float>().ToArray());

            // Boxes: source boxes × per-axis scale factor (float32), e.g. image 0: ScaleX 1202/640, ScaleY 800/426.
            var p0 = b.Placements[0];
            Assert.Equal(((float)(1202.0 / 640), (float)(800.0 / 426)), (p0.ScaleX, p0.ScaleY));
            var src0 = _ds.Images[0].Boxes;
            var got0 = b.GtBoxes[0].data<float>().ToArray();
            Assert.Equal(src0.Length, got0.Length);
            for (int k = 0; k < src0.Length; k++)
                Assert.Equal(Math.Min(src0[k] * (k % 2 == 0 ? p0.ScaleX : p0.ScaleY), k % 2 == 0 ? 1202f : 800f), got0[k]);
        }
        finally { batches.ForEach(x => x.Dispose()); }
    }

    [Fact]
    public async Task Orientation_grouping_keeps_portrait_and_landscape_apart()
    {
        var small = CocoDetectionDataset.Load(Coco128Fixture.WriteAnnotations(_dir, 4), Coco128Fixture.ImageDir, warn: _ => { });
        var loader = new DataLoader(small, new DataLoaderOptions(2, ImageSizeSpec.Mmdet1333x800, Shuffle: false, Augment: null, Grouping: BatchGrouping.Orientation));
        Assert.Equal([[0, 2], [1, 3]], loader.EpochBatches(0));
        var batches = await ReadAll(loader);
        try
        {
            Assert.Equal([(1216, 800), (800, 1088)], batches.Select(b => (b.Width, b.Height)));
        }
        finally { batches.ForEach(x => x.Dispose()); }
    }

    [Fact]
    public void Shape_grouping_batches_only_images_of_one_padded_shape()
    {
        var loader = new DataLoader(_ds, new DataLoaderOptions(4, ImageSizeSpec.Mmdet1333x800, Shuffle: false, Augment: null, Grouping: BatchGrouping.Shape));
        var batches = loader.EpochBatches(0);
        Assert.Equal(loader.BatchesPerEpoch, batches.Length);
        Assert.Equal(Enumerable.Range(0, 16), batches.SelectMany(x => x).Order());
        foreach (var batch in batches)
            Assert.Single(batch.Select(i => ImageSizeSpec.Mmdet1333x800.Fit(_ds.Images[i].Width, _ds.Images[i].Height)).Select(l => (l.TargetWidth, l.TargetHeight)).Distinct());
        // 640x426, 640x425, 640x427 (x2) all pad to 1216x800 → one full batch of four.
        Assert.Contains(batches, x => x.Length == 4 && x.All(i => _ds.Images[i].Width == 640 && _ds.Images[i].Height is >= 425 and <= 427));
    }
}
