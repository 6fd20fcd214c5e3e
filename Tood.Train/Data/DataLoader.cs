using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Train.Data.Augment;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Data;

/// <summary>
/// Batches a <see cref="CocoDetectionDataset"/>: images are decoded and transformed on worker tasks
/// (at most <see cref="DataLoaderOptions.Workers"/> at once) and whole batches are prefetched through a
/// bounded channel of <see cref="DataLoaderOptions.Prefetch"/> slots, so a training step normally finds
/// its batch ready. Order and augmentation are pure functions of (seed, epoch, sample), independent of
/// thread timing: resuming at batch k of an epoch reproduces the same batches.
/// </summary>
public sealed class DataLoader
{
    private readonly CocoDetectionDataset _dataset;
    private readonly int[] _eligible;
    private readonly long[]? _groupKey;
    private long _waitTicks;
    private int _built;

    public DataLoaderOptions Options { get; }
    public CocoDetectionDataset Dataset => _dataset;

    public DataLoader(CocoDetectionDataset dataset, DataLoaderOptions options)
    {
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), "batch size must be positive");
        if (options.ImageSize.Problem() is { } problem) throw new ArgumentOutOfRangeException(nameof(options), problem);
        if (options.DropLast && options.Grouping != BatchGrouping.None) throw new ArgumentException("DropLast with batch grouping is not supported", nameof(options));
        _dataset = dataset;
        Options = options;
        _eligible = [.. Enumerable.Range(0, dataset.Images.Count).Where(i => !options.SkipEmpty || dataset.Images[i].Count > 0)];
        if (_eligible.Length == 0) throw new InvalidDataException($"{dataset.AnnotationPath}: no image has annotations to train on");
        _groupKey = options.Grouping == BatchGrouping.None ? null : [.. dataset.Images.Select(GroupKey)];
        BatchesPerEpoch = _groupKey is null
            ? options.DropLast ? Math.Max(1, _eligible.Length / options.BatchSize) : (_eligible.Length + options.BatchSize - 1) / options.BatchSize
            : _eligible.GroupBy(i => _groupKey[i]).Sum(g => (g.Count() + options.BatchSize - 1) / options.BatchSize);
    }

    public int SampleCount => _eligible.Length;

    /// <summary>Batches in every epoch (constant: grouping only reorders within the groups' fixed sizes).</summary>
    public int BatchesPerEpoch { get; }

    // From the declared image size (known before decoding); an image without one forms its own group.
    private long GroupKey(DatasetImage img)
    {
        if (img.Width <= 0 || img.Height <= 0) return -1;
        if (Options.Grouping == BatchGrouping.Orientation) return img.Width > img.Height ? 1 : 0;
        var p = Placement.Plan(img.Width, img.Height, Options.ImageSize, AugmentParams.None);
        return (long)p.CanvasWidth << 32 | (uint)p.CanvasHeight;
    }

    /// <summary>Batches built so far, every epoch: shows a test that batches are built ahead of the consumer's request.</summary>
    internal int BatchesBuilt => Volatile.Read(ref _built);

    /// <summary>Total seconds consumers spent waiting for batches (data-wait time).</summary>
    public double DataWaitSeconds => Interlocked.Read(ref _waitTicks) / (double)Stopwatch.Frequency;

    /// <summary>Dataset indices of epoch <paramref name="epoch"/> in visiting order (Fisher–Yates with a
    /// per-epoch seed when shuffling).</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = (int[])_eligible.Clone();
        if (!Options.Shuffle) return order;
        var rng = new Random(Mix(Options.Seed, epoch, -1));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>Dataset indices of each batch of epoch <paramref name="epoch"/>: slices of <see cref="EpochOrder"/>,
    /// or with grouping, images taken in that order into one pending batch per group, each emitted when full
    /// (the partial ones at the end, in the order their groups first appeared).</summary>
    public int[][] EpochBatches(int epoch)
    {
        var order = EpochOrder(epoch);
        int bs = Options.BatchSize;
        if (_groupKey is null)
            return [.. Enumerable.Range(0, BatchesPerEpoch).Select(b => order[(b * bs)..Math.Min(order.Length, b * bs + bs)])];
        var batches = new List<int[]>(BatchesPerEpoch);
        var pending = new Dictionary<long, List<int>>();
        var firstSeen = new List<long>();
        foreach (int i in order)
        {
            long key = _groupKey[i];
            if (!pending.TryGetValue(key, out var list)) { pending[key] = list = new List<int>(bs); firstSeen.Add(key); }
            list.Add(i);
            if (list.Count == bs) { batches.Add([.. list]); list.Clear(); }
        }
        foreach (var key in firstSeen)
            if (pending[key].Count > 0) batches.Add([.. pending[key]]);
        return [.. batches];
    }

    /// <summary>Batches of one epoch starting at <paramref name="startBatch"/>. The caller disposes each batch.</summary>
    public async IAsyncEnumerable<Batch> ReadEpochAsync(int epoch, int startBatch = 0, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var batches = EpochBatches(epoch);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var workers = new SemaphoreSlim(Math.Max(1, Options.Workers));
        var channel = Channel.CreateBounded<Task<Batch>>(new BoundedChannelOptions(Math.Max(1, Options.Prefetch))
        {
            SingleReader = true,
            SingleWriter = true,
        });
        var producer = Task.Run(async () =>
        {
            try
            {
                for (int b = startBatch; b < batches.Length; b++)
                {
                    int[] idx = batches[b];
                    int bi = b;
                    // Wait for a free slot before starting the next batch so at most Prefetch are built ahead.
                    if (!await channel.Writer.WaitToWriteAsync(cts.Token)) break;
                    var task = Task.Run(() => BuildAsync(epoch, bi, idx, workers, cts.Token), cts.Token);
                    await channel.Writer.WriteAsync(task, cts.Token);
                }
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e is OperationCanceledException ? null : e);
            }
        }, cts.Token);

        try
        {
            var sw = new Stopwatch();
            while (true)
            {
                sw.Restart();
                if (!await channel.Reader.WaitToReadAsync(ct)) break;
                channel.Reader.TryRead(out var task);
                var batch = await task!;
                sw.Stop();
                batch.WaitSeconds = sw.Elapsed.TotalSeconds;
                Interlocked.Add(ref _waitTicks, sw.ElapsedTicks);
                yield return batch;
            }
            await producer;
        }
        finally
        {
            await cts.CancelAsync();
            try { await producer; } catch (OperationCanceledException) { }
            while (channel.Reader.TryRead(out var pending))
            {
                // Batches already built but never consumed; their errors are moot once the consumer stopped.
                try { (await pending).Dispose(); } catch (Exception) { }
            }
        }
    }

    // Two passes over the batch's images on the worker tasks: decode + resize into content images (which fixes
    // the batch canvas: the square, or the largest keep-ratio canvas), then normalise each into its slot.
    private async Task<Batch> BuildAsync(int epoch, int batchIndex, int[] indices, SemaphoreSlim workers, CancellationToken ct)
    {
        int n = indices.Length;
        var samples = new Sample?[n];
        Tensor? images = null;
        try
        {
            await ForEachAsync(n, workers, k => samples[k] = LoadSample(epoch, indices[k]), ct);
            var loaded = samples.Select(x => x!).ToArray();
            int width = loaded.Max(x => x.Placement.CanvasWidth), height = loaded.Max(x => x.Placement.CanvasHeight);
            images = torch.empty([n, 3, height, width], ScalarType.Float32);
            nint basePtr = DataPointer(images);
            long perImage = 3L * width * height;
            var pad = ImageTransform.PadValue(Options.ImageSize.KeepRatio, ModelContract.DefaultMean, ModelContract.DefaultStd);
            await ForEachAsync(n, workers, k => WriteImage(loaded[k].Content, basePtr + (nint)(k * perImage * sizeof(float)), (int)perImage, width, height, pad), ct);
            var ids = indices.Select(i => _dataset.Images[i].Id).ToArray();
            var batch = new Batch(epoch, batchIndex, images, [.. loaded.Select(x => x.Boxes)], [.. loaded.Select(x => x.Labels)], ids,
                [.. loaded.Select(x => x.Placement)], [.. loaded.Select(x => x.Width)], [.. loaded.Select(x => x.Height)]);
            images = null;
            Interlocked.Increment(ref _built);
            return batch;
        }
        catch
        {
            images?.Dispose();
            foreach (var x in samples) { x?.Boxes.Dispose(); x?.Labels.Dispose(); }
            throw;
        }
        finally
        {
            foreach (var x in samples) x?.Content.Dispose();
        }
    }

    private static async Task ForEachAsync(int n, SemaphoreSlim workers, Action<int> body, CancellationToken ct)
    {
        var jobs = new Task[n];
        for (int k = 0; k < n; k++)
        {
            int slot = k;
            jobs[k] = Task.Run(async () =>
            {
                await workers.WaitAsync(ct);
                try { body(slot); }
                finally { workers.Release(); }
            }, ct);
        }
        await Task.WhenAll(jobs);
    }

    private sealed record Sample(Mat Content, Tensor Boxes, Tensor Labels, Placement Placement, int Width, int Height);

    /// <summary>Decodes one image, renders its visible content and maps its boxes; or, drawn with the mosaic
    /// probability (square sizes), composes it with three other images of the epoch (<see cref="Mosaic"/>).</summary>
    private Sample LoadSample(int epoch, int index)
    {
        if (Options.Augment is { MosaicProbability: > 0 } aug && !Options.ImageSize.KeepRatio)
        {
            var rng = new Random(Mix(Options.Seed ^ MosaicSalt, epoch, index));
            if (rng.NextDouble() < aug.MosaicProbability) return LoadMosaic(index, rng, aug);
        }
        var (src, clipped) = Decode(index);
        using (src)
        {
            var item = _dataset.Images[index];
            var p = Options.Augment is null ? AugmentParams.None : AugmentParams.Sample(new Random(Mix(Options.Seed, epoch, index)), Options.Augment);
            var placement = Placement.Plan(src.Cols, src.Rows, Options.ImageSize, p);
            var outBoxes = new List<float>(clipped.Length);
            var outLabels = new List<int>(item.Labels.Length);
            placement.MapBoxes(clipped, item.Labels, outBoxes, outLabels);
            var content = ImageTransform.RenderContent(src, placement);
            return ToSample(content, outBoxes, outLabels, placement, src.Cols, src.Rows);
        }
    }

    private const int MosaicSalt = 0x6D6F7361; // "mosa": the mosaic's draws are a stream apart from the single-image ones

    private Sample LoadMosaic(int index, Random rng, AugmentOptions aug)
    {
        int[] members = [index, .. Enumerable.Range(0, 3).Select(_ => _eligible[rng.Next(_eligible.Length)])];
        var tiles = new List<Mosaic.Tile>(4);
        try
        {
            foreach (int m in members)
            {
                var (img, clipped) = Decode(m);
                tiles.Add(new Mosaic.Tile(img, clipped, _dataset.Images[m].Labels));
            }
            int size = Options.ImageSize.Width;
            var outBoxes = new List<float>();
            var outLabels = new List<int>();
            var canvas = Mosaic.Compose(tiles, size, rng, aug.FlipProbability, outBoxes, outLabels);
            return ToSample(canvas, outBoxes, outLabels, new Placement(1, 1, size, size, 0, 0, false, size, size), size, size);
        }
        finally
        {
            foreach (var t in tiles) t.Image.Dispose();
        }
    }

    /// <summary>The decoded image and its boxes clipped to the decoded size (the declared sizes clipped them at load time).</summary>
    private (Mat Image, float[] Boxes) Decode(int index)
    {
        var item = _dataset.Images[index];
        var src = Cv2.ImRead(item.Path, ImreadModes.Color);
        if (src.Empty())
        {
            src.Dispose();
            throw new InvalidDataException($"{item.Path}: cannot decode image (image id {item.Id})");
        }
        var clipped = item.Boxes.ToArray();
        for (int i = 0; i < clipped.Length; i++) clipped[i] = Math.Clamp(clipped[i], 0, i % 2 == 0 ? src.Cols : src.Rows);
        return (src, clipped);
    }

    private static Sample ToSample(Mat content, List<float> boxes, List<int> labels, Placement placement, int width, int height) =>
        new(content, torch.tensor(boxes.ToArray(), [labels.Count, 4], ScalarType.Float32),
            torch.tensor(labels.Select(l => (long)l).ToArray(), [labels.Count], ScalarType.Int64), placement, width, height);

    private static unsafe void WriteImage(Mat content, nint dst, int length, int width, int height, float[] pad) =>
        ImageTransform.ToNormalizedChw(content, new Span<float>((void*)dst, length), ModelContract.DefaultMean, ModelContract.DefaultStd, width, height, pad);

    /// <summary>Address of a contiguous CPU tensor's storage (native memory: it does not move).</summary>
    private static unsafe nint DataPointer(Tensor t)
    {
        fixed (byte* p = t.bytes) return (nint)p;
    }

    internal static int Mix(int seed, int epoch, int index)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL + (ulong)(long)index * 0x94D049BB133111EBUL + 0x632BE59BD9B4E019UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }
}
