using System.Diagnostics;
using Tood.Train.Data;
using Tood.Train.Data.Augment;
using Tood.Train.Data.Synth;
using Xunit;

namespace Tood.Tests.Data;

public class DataLoaderTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly CocoDetectionDataset _ds;

    public DataLoaderTests()
    {
        new SynthGenerator(11, 80, 64).WriteDataset(_dir.Path, 10);
        _ds = CocoDetectionDataset.Load(_dir["annotations.json"], _dir["images"]);
    }

    public void Dispose() => _dir.Dispose();

    private DataLoader Loader(int seed = 3, AugmentOptions? aug = null, int batch = 4, bool shuffle = true) =>
        new(_ds, new DataLoaderOptions(batch, 64, shuffle, aug, seed, Workers: 2, Prefetch: 2));

    private static async Task<List<Batch>> ReadAll(DataLoader l, int epoch, int start = 0)
    {
        var list = new List<Batch>();
        await foreach (var b in l.ReadEpochAsync(epoch, start)) list.Add(b);
        return list;
    }

    [Fact]
    public void Epoch_order_is_a_seeded_permutation()
    {
        var a = Loader(seed: 3);
        Assert.Equal(a.EpochOrder(0), Loader(seed: 3).EpochOrder(0));
        Assert.NotEqual(a.EpochOrder(0), a.EpochOrder(1));
        Assert.NotEqual(a.EpochOrder(0), Loader(seed: 4).EpochOrder(0));
        Assert.Equal(Enumerable.Range(0, 10), a.EpochOrder(1).Order());
        Assert.Equal(Enumerable.Range(0, 10), Loader(shuffle: false).EpochOrder(5));
    }

    [Fact]
    public async Task Batches_are_collated_in_order_with_boxes_in_the_canvas()
    {
        var loader = Loader(aug: new AugmentOptions());
        var batches = await ReadAll(loader, 2);
        try
        {
            Assert.Equal(3, loader.BatchesPerEpoch);
            Assert.Equal([4, 4, 2], batches.Select(b => b.Size));
            Assert.Equal([4L, 3, 64, 64], batches[0].Images.shape);
            var order = loader.EpochOrder(2);
            Assert.Equal(order.Select(i => _ds.Images[i].Id), batches.SelectMany(b => b.ImageIds));
            foreach (var b in batches)
                for (int k = 0; k < b.Size; k++)
                {
                    var boxes = b.GtBoxes[k];
                    Assert.Equal(b.GtLabels[k].shape[0], boxes.shape[0]);
                    if (boxes.shape[0] == 0) continue;
                    Assert.True(boxes.min().item<float>() >= 0 && boxes.max().item<float>() <= 64);
                    Assert.True((boxes[.., 2] - boxes[.., 0]).min().item<float>() > 0);
                    Assert.True((boxes[.., 3] - boxes[.., 1]).min().item<float>() > 0);
                }
        }
        finally { batches.ForEach(b => b.Dispose()); }
    }

    [Fact]
    public async Task Same_seed_reproduces_augmented_batches_and_resume_starts_mid_epoch()
    {
        var aug = new AugmentOptions();
        var a = await ReadAll(Loader(seed: 9, aug: aug), 1);
        var b = await ReadAll(Loader(seed: 9, aug: aug), 1, start: 1);
        var c = await ReadAll(Loader(seed: 10, aug: aug), 1);
        try
        {
            Assert.Equal(2, b.Count);
            Assert.True(a[1].Images.eq(b[0].Images).all().item<bool>());
            Assert.Equal(a[1].ImageIds, b[0].ImageIds);
            for (int k = 0; k < a[1].Size; k++) Assert.True(a[1].GtBoxes[k].eq(b[0].GtBoxes[k]).all().item<bool>());
            Assert.False(a[0].Images.eq(c[0].Images).all().item<bool>());
        }
        finally { foreach (var x in a.Concat(b).Concat(c)) x.Dispose(); }
    }

    [Fact]
    public async Task Batches_are_built_ahead_while_the_step_runs_and_never_more_than_the_prefetch_depth()
    {
        var loader = Loader(batch: 2);
        int total = loader.BatchesPerEpoch, prefetch = loader.Options.Prefetch, consumed = 0;
        var waits = new List<double>();
        await foreach (var b in loader.ReadEpochAsync(0))
        {
            using (b) waits.Add(b.WaitSeconds);
            consumed++;
            // A "training step" that lasts until the loader has filled its prefetch window: the next batches are built
            // while the consumer is busy, before it asks for them (a loader that built on request would never get there).
            // Counted in batches, not timed, so a slow or loaded machine only makes the step longer.
            int ahead = Math.Min(total, consumed + prefetch);
            var deadline = Stopwatch.StartNew();
            while (loader.BatchesBuilt < ahead && deadline.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(5);
            Assert.True(loader.BatchesBuilt >= ahead, $"{loader.BatchesBuilt} batches built after {consumed} consumed: none built ahead");
            Assert.InRange(loader.BatchesBuilt, ahead, consumed + prefetch); // at most Prefetch built ahead of the consumer
        }
        Assert.Equal(5, waits.Count);
        Assert.Equal(5, loader.BatchesBuilt);
        Assert.Equal(waits.Sum(), loader.DataWaitSeconds, 1e-5); // the same waits (TimeSpan rounds each to 100 ns)
    }

    [Fact]
    public async Task Breaking_out_early_stops_the_producer()
    {
        var loader = Loader(batch: 1);
        int n = 0;
        await foreach (var b in loader.ReadEpochAsync(0))
        {
            b.Dispose();
            if (++n == 2) break;
        }
        Assert.Equal(2, n);
    }

    [Fact]
    public async Task Undecodable_image_is_reported_with_its_path_and_id()
    {
        File.WriteAllText(_ds.Images[0].Path, "not a png");
        var loader = new DataLoader(_ds, new DataLoaderOptions(2, 64, false, null));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(loader, 0));
        Assert.Equal($"{_ds.Images[0].Path}: cannot decode image (image id {_ds.Images[0].Id})", e.Message);
    }
}
