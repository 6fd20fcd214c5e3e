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
    private long _waitTicks;

    public DataLoaderOptions Options { get; }
    public CocoDetectionDataset Dataset => _dataset;

    public DataLoader(CocoDetectionDataset dataset, DataLoaderOptions options)
    {
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), "batch size must be positive");
        _ = Placement.Plan(1, 1, options.ImageSize, AugmentParams.None); // validates the size
        _dataset = dataset;
        Options = options;
        _eligible = [.. Enumerable.Range(0, dataset.Images.Count).Where(i => !options.SkipEmpty || dataset.Images[i].Count > 0)];
        if (_eligible.Length == 0) throw new InvalidDataException($"{dataset.AnnotationPath}: no image has annotations to train on");
    }

    public int SampleCount => _eligible.Length;

    public int BatchesPerEpoch => Options.DropLast ? Math.Max(1, _eligible.Length / Options.BatchSize)
        : (_eligible.Length + Options.BatchSize - 1) / Options.BatchSize;

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

    /// <summary>Batches of one epoch starting at <paramref name="startBatch"/>. The caller disposes each batch.</summary>
    public async IAsyncEnumerable<Batch> ReadEpochAsync(int epoch, int startBatch = 0, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var order = EpochOrder(epoch);
        int nb = BatchesPerEpoch;
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
                for (int b = startBatch; b < nb; b++)
                {
                    int lo = b * Options.BatchSize, hi = Math.Min(order.Length, lo + Options.BatchSize);
                    int[] idx = order[lo..hi];
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

    private async Task<Batch> BuildAsync(int epoch, int batchIndex, int[] indices, SemaphoreSlim workers, CancellationToken ct)
    {
        int s = Options.ImageSize, n = indices.Length;
        long perImage = 3L * s * s;
        var images = torch.empty([n, 3, s, s], ScalarType.Float32);
        try
        {
            var boxes = new Tensor[n];
            var labels = new Tensor[n];
            var placements = new Placement[n];
            var widths = new int[n];
            var heights = new int[n];
            nint basePtr = DataPointer(images);
            var jobs = new Task[n];
            for (int k = 0; k < n; k++)
            {
                int slot = k;
                jobs[k] = Task.Run(async () =>
                {
                    await workers.WaitAsync(ct);
                    try
                    {
                        var sample = LoadSample(epoch, indices[slot], basePtr + (nint)(slot * perImage * sizeof(float)), (int)perImage);
                        (boxes[slot], labels[slot], placements[slot], widths[slot], heights[slot]) = sample;
                    }
                    finally { workers.Release(); }
                }, ct);
            }
            try { await Task.WhenAll(jobs); }
            catch
            {
                foreach (var t in boxes.Concat(labels)) t?.Dispose();
                throw;
            }
            var ids = indices.Select(i => _dataset.Images[i].Id).ToArray();
            return new Batch(epoch, batchIndex, images, boxes, labels, ids, placements, widths, heights);
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    /// <summary>Decodes and transforms one image into <paramref name="dst"/> (3·S·S floats).</summary>
    private unsafe (Tensor Boxes, Tensor Labels, Placement P, int W, int H) LoadSample(int epoch, int index, nint dst, int length)
    {
        var item = _dataset.Images[index];
        using var src = Cv2.ImRead(item.Path, ImreadModes.Color);
        if (src.Empty()) throw new InvalidDataException($"{item.Path}: cannot decode image (image id {item.Id})");
        var p = Options.Augment is null ? AugmentParams.None : AugmentParams.Sample(new Random(Mix(Options.Seed, epoch, index)), Options.Augment);
        var placement = Placement.Plan(src.Cols, src.Rows, Options.ImageSize, p);
        using (var canvas = ImageTransform.Render(src, placement))
            ImageTransform.ToNormalizedChw(canvas, new Span<float>((void*)dst, length), ModelContract.DefaultMean, ModelContract.DefaultStd);

        // Declared sizes were used for clipping at load time; clip again to the decoded size.
        var clipped = item.Boxes.ToArray();
        for (int i = 0; i < clipped.Length; i++) clipped[i] = Math.Clamp(clipped[i], 0, i % 2 == 0 ? src.Cols : src.Rows);
        var outBoxes = new List<float>(clipped.Length);
        var outLabels = new List<int>(item.Labels.Length);
        placement.MapBoxes(clipped, item.Labels, outBoxes, outLabels);
        var boxes = torch.tensor(outBoxes.ToArray(), [outLabels.Count, 4], ScalarType.Float32);
        var labels = torch.tensor(outLabels.Select(l => (long)l).ToArray(), [outLabels.Count], ScalarType.Int64);
        return (boxes, labels, placement, src.Cols, src.Rows);
    }

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
