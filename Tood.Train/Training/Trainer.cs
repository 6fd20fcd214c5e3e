using System.Diagnostics;
using System.Globalization;
using Tood.Train.Data;
using Tood.Train.Data.Augment;
using Tood.Train.Loss;
using Tood.Train.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>Outcome of <see cref="Trainer.RunAsync"/>.</summary>
public sealed record TrainResult(int EpochsDone, long Steps, double? BestAp, IReadOnlyList<EpochMetrics> Metrics);

/// <summary>
/// The training loop (spec §5, §10 items 8–9): SGD (momentum 0.9, wd 1e-4), linear warm-up + step/cosine
/// LR (<see cref="LrSchedule"/>), ATSS for the first <see cref="TrainOptions.WarmupEpochs"/> epochs then
/// TAL (mode chosen from the epoch at the start of every epoch, P4), gradient accumulation, optional
/// clipping, fp32 (P3). After every epoch: RUNDIR/last.ckpt (weights + optimizer + progress), validation
/// COCO mAP → RUNDIR/best.ckpt, a metrics.csv row and curves.png. A non-finite loss stops with
/// <see cref="NonFiniteLossException"/> before backward, so the last checkpoint stays good.
/// </summary>
public sealed class Trainer(TrainOptions options, TextWriter? log = null)
{
    /// <summary>Attempts per batch when the gradients come back non-finite (see the retry in the loop).</summary>
    public const int MaxGradRetries = 10;
    public const string LastName = "last.ckpt", BestName = "best.ckpt", MetricsName = "metrics.csv", CurvesName = "curves.png";

    private readonly TextWriter _log = log ?? Console.Error;
    public TrainOptions Options { get; } = options;

    /// <summary>Test hook: called after each iteration with (epoch, iteration in epoch, global step).</summary>
    internal Action<int, int, long>? AfterIteration { get; init; }

    /// <summary>Test hook: may replace the total loss of (epoch, iteration) before the finiteness check.</summary>
    internal Func<int, int, Tensor, Tensor>? LossHook { get; init; }

    /// <summary>Called after each iteration with its phase timings (used by <c>tood-train bench-train</c>).</summary>
    public Action<StepTiming>? StepTimed { get; init; }

    public async Task<TrainResult> RunAsync(CancellationToken ct = default)
    {
        var o = Options;
        o.Validate();
        var inv = CultureInfo.InvariantCulture;
        var device = DeviceSelector.Resolve(o.Device);
        Directory.CreateDirectory(o.RunDir);
        string lastPath = Path.Combine(o.RunDir, LastName), bestPath = Path.Combine(o.RunDir, BestName);

        LoadedCheckpoint? resumed = null;
        if (o.Resume)
        {
            if (!File.Exists(lastPath)) throw new CheckpointException($"--resume: no checkpoint '{lastPath}' to resume from");
            resumed = Checkpoint.Load(lastPath, device);
        }

        CategoryMap? map = resumed is null ? null : new CategoryMap(resumed.Meta.CategoryIds, resumed.Meta.ClassNames);
        var train = CocoDetectionDataset.Open(o.TrainAnnotations, o.TrainImages, o.TrainSplit, o.Classes, map, w => _log.WriteLine(w));
        map = train.Categories;
        var val = o.ValAnnotations is null ? null : CocoDetectionDataset.Open(o.ValAnnotations, o.ValImages, o.ValSplit, o.Classes, map, w => _log.WriteLine(w));

        torch.manual_seed(o.Seed);
        ToodDetector model;
        int startEpoch = 0;
        long step = 0;
        double? best = null;
        if (resumed is not null)
        {
            model = resumed.Model;
            var m = resumed.Meta;
            if (m.Model.NumClasses != map.Count)
                throw new CheckpointException($"checkpoint '{lastPath}' has {m.Model.NumClasses} classes, dataset {o.TrainAnnotations} has {map.Count}");
            startEpoch = m.Epoch;
            step = m.GlobalStep;
            best = m.BestMap;
            // A resumed run continues a different generator state; reseed from (seed, epoch) for reproducibility.
            torch.manual_seed(o.Seed + startEpoch);
        }
        else
        {
            try { model = new ToodDetector(o.ResolveModel(map.Count)); }
            catch (ArgumentException e) { throw new Tood.CommandLine.UsageException(e.Message); }
            // ImageNet backbone (spec §1, P7); loaded before moving to the device.
            if (o.BackboneWeights is { } weights)
                _log.WriteLine(Pretrained.BackboneWeights.Load(model, weights).Summary());
            model.to(device);
        }

        using var _model = model;
        model.train();
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = torch.optim.SGD(parameters, o.Lr, o.Momentum, 0, o.WeightDecay, false);
        if (resumed?.OptimizerState is { } state) Checkpoint.RestoreOptimizer(optimizer, state);

        var size = o.EffectiveImageSize;
        var loader = new DataLoader(train, new DataLoaderOptions(o.BatchSize, size, Shuffle: true, o.EffectiveAugment, o.Seed,
            SkipEmpty: true, DropLast: false, o.Workers, Prefetch: 2, size.KeepRatio ? BatchGrouping.Orientation : BatchGrouping.None));
        int batches = loader.BatchesPerEpoch;
        int stepsPerEpoch = (batches + o.Accumulate - 1) / o.Accumulate;
        var schedule = new LrSchedule(o.Lr, o.Epochs, stepsPerEpoch, o.Schedule, o.WarmupIters);
        var criterion = new ToodLoss(map.Count);
        var metricsLog = new MetricsLog(Path.Combine(o.RunDir, MetricsName));
        metricsLog.TruncateFrom(startEpoch);

        _log.WriteLine(string.Create(inv,
            $"train: {train.Summary()}; {loader.SampleCount} images with boxes, {batches} batches/epoch, {stepsPerEpoch} steps/epoch; preset {model.Config.Preset}, head {o.Head.ToName()}, {model.TrainableParameters():N0} trainable params, device {device.type}{(resumed is null ? "" : $"; resumed at epoch {startEpoch}, step {step}")}"));
        if (val is not null) _log.WriteLine($"val: {val.Summary()}");
        resumed = null; // model ownership moved to _model

        Tensor? anchors = null, strides = null;
        (int H, int W) anchorKey = default;
        List<int> levelCounts = [];
        bool interactive = !Console.IsErrorRedirected && ReferenceEquals(_log, Console.Error);
        var totalTimer = Stopwatch.StartNew();
        long itersDoneThisRun = 0, gradRetries = 0;
        try
        {
            for (int epoch = startEpoch; epoch < o.Epochs; epoch++)
            {
                var mode = ToodLoss.ModeForEpoch(epoch, o.WarmupEpochs);
                var epochTimer = Stopwatch.StartNew();
                double sumTotal = 0, sumCls = 0, sumBbox = 0, sumCtr = 0, sumPos = 0, waitSum = 0;
                bool hasCtr = false;
                int it = 0;
                double lr = schedule.At(step, epoch);
                optimizer.zero_grad();
                long stepStart = Stopwatch.GetTimestamp();
                await foreach (var batch in loader.ReadEpochAsync(epoch, 0, ct))
                {
                    using var _b = batch;
                    ct.ThrowIfCancellationRequested();
                    waitSum += batch.WaitSeconds;
                    double tForward = 0, tAssign = 0, tLoss = 0, tBackward = 0, tCheck = 0, tOptim = 0;
                    int attempts = 0;
                    int groupStart = it / o.Accumulate * o.Accumulate;
                    int groupSize = Math.Min(o.Accumulate, batches - groupStart);
                    LossValues v = default;
                    for (int attempt = 1; ; attempt++)
                    {
                        attempts = attempt;
                        using (var scope = torch.NewDisposeScope())
                        {
                            long t0 = Stopwatch.GetTimestamp();
                            var images = batch.Images.to(device);
                            using var output = model.forward(images);
                            long t1 = Stopwatch.GetTimestamp();
                            tForward += Seconds(t1 - t0);
                            var sizes = output.LevelSizes;
                            var key = (sizes[0].Height, sizes[0].Width);
                            if (anchors is null || key != anchorKey)
                            {
                                anchors?.Dispose();
                                strides?.Dispose();
                                anchors = Priors.AnchorPoints(sizes, output.Strides, device).DetachFromDisposeScope();
                                strides = Priors.Strides(sizes, output.Strides, device).DetachFromDisposeScope();
                                levelCounts = [.. sizes.Select(s => s.Height * s.Width)];
                                anchorKey = key;
                            }
                            var inputs = new LossInputs(output.FlatScores(), output.FlatBoxes(), anchors, strides!, levelCounts,
                                output.Centerness is null ? null : output.FlatCenterness().squeeze(-1));
                            var gts = batch.GtBoxes.Zip(batch.GtLabels, (b, l) => new GtInstances(b, l)).ToList();
                            using var loss = criterion.Forward(inputs, gts, mode);
                            var total = LossHook is null ? loss.Total : LossHook(epoch, it, loss.Total);
                            v = loss.ToValues();
                            double totalValue = total.item<float>();
                            long t2 = Stopwatch.GetTimestamp();
                            tAssign += loss.AssignTime.TotalSeconds;
                            tLoss += Seconds(t2 - t1) - loss.AssignTime.TotalSeconds;
                            if (!double.IsFinite(totalValue))
                                throw new NonFiniteLossException(string.Create(inv,
                                    $"non-finite loss ({totalValue}) at epoch {epoch + 1}, iteration {it + 1} (step {step}); batch image ids: {string.Join(' ', batch.ImageIds)}; last good checkpoint: {(File.Exists(lastPath) ? lastPath : "none")}"));
                            (total / groupSize).backward();
                            tBackward += Seconds(Stopwatch.GetTimestamp() - t2);
                        }
                        long t3 = Stopwatch.GetTimestamp();
                        var bad = NonFiniteGradients(model);
                        tCheck += Seconds(Stopwatch.GetTimestamp() - t3);
                        if (bad is null) break;
                        // A finite loss with non-finite gradients: seen on this CPU build of libtorch as a
                        // sporadic NaN from ConvolutionBackward (a re-run of the same batch is clean).
                        // Retry the batch from zeroed gradients (this drops the group's earlier
                        // micro-batches when accumulating); give up after MaxGradRetries.
                        optimizer.zero_grad();
                        gradRetries++;
                        if (attempt >= MaxGradRetries)
                            throw new NonFiniteLossException(string.Create(inv,
                                $"non-finite gradient {attempt} times at epoch {epoch + 1}, iteration {it + 1} (step {step}) in {bad}; batch image ids: {string.Join(' ', batch.ImageIds)}; last good checkpoint: {(File.Exists(lastPath) ? lastPath : "none")}"));
                    }
                    it++;
                    itersDoneThisRun++;
                    long tOpt = Stopwatch.GetTimestamp();
                    if (it % o.Accumulate == 0 || it == batches)
                    {
                        lr = schedule.At(step, epoch);
                        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
                        if (o.ClipGrad is { } clip) torch.nn.utils.clip_grad_norm_(parameters, clip);
                        optimizer.step();
                        optimizer.zero_grad();
                        step++;
                    }
                    tOptim = Seconds(Stopwatch.GetTimestamp() - tOpt);
                    sumTotal += v.Total; sumCls += v.Cls; sumBbox += v.Bbox; sumPos += v.NumPositives;
                    if (v.Centerness is { } c) { sumCtr += c; hasCtr = true; }

                    double ips = it / Math.Max(1e-9, epochTimer.Elapsed.TotalSeconds);
                    if (interactive || it % o.LogEvery == 0 || it == batches)
                    {
                        long remaining = (long)(o.Epochs - epoch - 1) * batches + (batches - it);
                        var eta = TimeSpan.FromSeconds(remaining / Math.Max(1e-9, ips));
                        var line = string.Create(inv,
                            $"epoch {epoch + 1}/{o.Epochs} iter {it}/{batches} [{(mode == AssignMode.TaskAligned ? "tal" : "atss")}] loss {sumTotal / it:F4} (cls {sumCls / it:F4} bbox {sumBbox / it:F4}{(hasCtr ? $" ctr {sumCtr / it:F4}" : "")}) pos {sumPos / it:F1} lr {lr:G4} {ips:F2} it/s data {100 * waitSum / Math.Max(1e-9, epochTimer.Elapsed.TotalSeconds):F0}% ETA {eta:hh\\:mm\\:ss}");
                        if (interactive) _log.Write("\r" + line.PadRight(150));
                        else _log.WriteLine(line);
                    }
                    AfterIteration?.Invoke(epoch, it, step);
                    long stepEnd = Stopwatch.GetTimestamp();
                    StepTimed?.Invoke(new StepTiming(epoch, it, attempts, batch.WaitSeconds, tForward, tAssign, tLoss, tBackward, tCheck, tOptim, Seconds(stepEnd - stepStart)));
                    stepStart = stepEnd;
                }
                if (interactive) _log.WriteLine();
                double epochSeconds = epochTimer.Elapsed.TotalSeconds;

                double? ap = null, ap50 = null;
                if (val is not null && ((epoch + 1) % o.ValEvery == 0 || epoch + 1 == o.Epochs))
                {
                    var (stats, _) = await Validator.EvaluateAsync(model, val, size, device, o.BatchSize, o.Workers, ct: ct);
                    model.train();
                    ap = stats.AP;
                    ap50 = stats.AP50;
                    _log.WriteLine(string.Create(inv, $"epoch {epoch + 1}: val AP {stats.AP:F4} AP50 {stats.AP50:F4} AP75 {stats.AP75:F4}"));
                }
                bool isBest = ap is { } a && (best is null || a > best);
                if (isBest) best = ap;

                var meta = Meta(model, train, map, epoch + 1, step, best, o);
                Checkpoint.Save(lastPath, model, meta, Checkpoint.SerializeOptimizer(optimizer));
                if (isBest) Checkpoint.Save(bestPath, model, meta);

                var row = new EpochMetrics(epoch, step, mode == AssignMode.TaskAligned ? "tal" : "atss", lr,
                    sumTotal / Math.Max(1, it), sumCls / Math.Max(1, it), sumBbox / Math.Max(1, it), hasCtr ? sumCtr / Math.Max(1, it) : null,
                    sumPos / Math.Max(1, it), it / Math.Max(1e-9, epochSeconds), waitSum / Math.Max(1e-9, epochSeconds), epochSeconds, ap, ap50);
                metricsLog.Append(row);
                CurvePlot.Save(Path.Combine(o.RunDir, CurvesName), metricsLog.Read());
            }
        }
        finally
        {
            anchors?.Dispose();
            strides?.Dispose();
        }
        var rows = metricsLog.Read();
        _log.WriteLine(string.Create(inv, $"done: {o.Epochs} epochs, {step} steps, {itersDoneThisRun} iterations this run in {totalTimer.Elapsed:hh\\:mm\\:ss} ({gradRetries} batch re-runs after non-finite gradients); best val AP {(best is null ? "n/a" : best.Value.ToString("F4", inv))}; checkpoints in {o.RunDir}"));
        return new TrainResult(o.Epochs, step, best, rows);
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    /// <summary>One host sync: null when every gradient is finite, else the first offending parameter names (spec P2/P5).</summary>
    private static string? NonFiniteGradients(ToodDetector model)
    {
        using var scope = torch.NewDisposeScope();
        var named = model.named_parameters().Where(p => p.parameter.grad is not null).ToList();
        if (named.Count == 0) return null;
        var flags = torch.stack(named.Select(p => p.parameter.grad!.isfinite().all()).ToArray());
        if (flags.all().item<bool>()) return null;
        return string.Join(", ", named.Where((p, i) => !flags[i].item<bool>()).Select(p => p.name).Take(3));
    }

    private static CheckpointMeta Meta(ToodDetector model, CocoDetectionDataset train, CategoryMap map, int epochsDone, long step, double? best, TrainOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        return new CheckpointMeta
        {
            Model = model.Config,
            ClassNames = [.. map.Names],
            CategoryIds = [.. map.CategoryIds],
            // Deployment input (export default); eval uses the training spec itself (ImageSizeSpec.EvalMetaKey).
            InputWidth = o.EffectiveImageSize.DeploymentSize.Width,
            InputHeight = o.EffectiveImageSize.DeploymentSize.Height,
            Epoch = epochsDone,
            GlobalStep = step,
            BestMap = best,
            TrainingData = o.DataCredit is null ? train.Summary() : $"{train.Summary()}. {o.DataCredit}",
            Extra = new Dictionary<string, string>
            {
                ["seed"] = o.Seed.ToString(inv),
                ["lr"] = o.Lr.ToString("R", inv),
                ["schedule"] = o.Schedule.ToString().ToLowerInvariant(),
                ["warmup_iters"] = o.WarmupIters.ToString(inv),
                ["warmup_epochs"] = o.WarmupEpochs.ToString(inv),
                ["epochs"] = o.Epochs.ToString(inv),
                ["batch"] = o.BatchSize.ToString(inv),
                ["accumulate"] = o.Accumulate.ToString(inv),
                ["clip_grad"] = o.ClipGrad?.ToString("R", inv) ?? "none",
                ["scale_jitter"] = o.EffectiveAugment is { MinScale: 1, MaxScale: 1 } ? "none (flip only)" : string.Create(inv, $"{o.EffectiveAugment.MinScale},{o.EffectiveAugment.MaxScale}"),
                [ImageSizeSpec.EvalMetaKey] = o.EffectiveImageSize.ToString(),
            },
        };
    }
}
