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
    public const string LastName = "last.ckpt", BestName = "best.ckpt", MetricsName = "metrics.csv", CurvesName = "curves.png";

    private readonly TextWriter _log = log ?? Console.Error;
    public TrainOptions Options { get; } = options;

    /// <summary>Test hook: called after each iteration with (epoch, iteration in epoch, global step).</summary>
    internal Action<int, int, long>? AfterIteration { get; init; }

    /// <summary>Test hook: may replace the total loss of (epoch, iteration) before the finiteness check.</summary>
    internal Func<int, int, Tensor, Tensor>? LossHook { get; init; }

    /// <summary>Called after each iteration with its phase timings (used by <c>tood-train bench-train</c>).</summary>
    public Action<StepTiming>? StepTimed { get; init; }

    /// <summary>Every device-to-host copy of the step loop goes through here (counted; see <see cref="HostReads"/>).</summary>
    public HostReads Reads { get; } = new();

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
        var train = CocoDetectionDataset.Open([o.TrainAnnotations, .. o.MoreTrainData], o.TrainImages, o.TrainSplit, o.Classes, map, w => _log.WriteLine(w));
        map = train.Categories;
        var val = o.ValAnnotations is null ? null : CocoDetectionDataset.Open(o.ValAnnotations, o.ValImages, o.ValSplit, o.Classes, map, w => _log.WriteLine(w));

        torch.manual_seed(o.Seed);
        ToodDetector model;
        int startEpoch = 0, startIteration = 0;
        long step = 0;
        int? talFrom = null;
        double? best = null;
        if (resumed is not null)
        {
            model = resumed.Model;
            var m = resumed.Meta;
            if (m.Model.NumClasses != map.Count)
                throw new CheckpointException($"checkpoint '{lastPath}' has {m.Model.NumClasses} classes, dataset {o.TrainAnnotations} has {map.Count}");
            startEpoch = m.Epoch;
            startIteration = m.EpochIterations;
            talFrom = m.TalFromEpoch;
            step = m.GlobalStep;
            best = m.BestMap;
            // A resumed run continues a different generator state; reseed from (seed, epoch) for reproducibility.
            torch.manual_seed(o.Seed + startEpoch);
        }
        else
        {
            using var init = o.Init is null ? null : Pretrained.DetectorInit.Read(o.Init);
            // --init: the source's architecture (its head too), with this data's classes and the freezing overrides.
            var arch = init is null ? o : o with { Model = init.Config, Head = init.Config.Head };
            try { model = new ToodDetector(arch.ResolveModel(map.Count)); }
            catch (ArgumentException e) { throw new Tood.CommandLine.UsageException(e.Message); }
            if (init is not null) _log.WriteLine(Pretrained.DetectorInit.Apply(model, init, map.Names, Path.GetFileName(o.Init!)));
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
            $"train: {train.Summary()}; {loader.SampleCount} images with boxes, {batches} batches/epoch, {stepsPerEpoch} steps/epoch; preset {model.Config.Preset}, head {model.Config.Head.ToName()}, {model.TrainableParameters():N0} trainable params, device {device.type}{(resumed is null ? "" : $"; resumed at epoch {startEpoch}, step {step}{(startIteration > 0 ? $", batch {startIteration}" : "")}")}"));
        if (train.SourceSummaries.Count > 1)
            foreach (var line in train.SourceSummaries) _log.WriteLine($"train source: {line}");
        if (val is not null) _log.WriteLine($"val: {val.Summary()}");
        resumed = null; // model ownership moved to _model

        bool interactive = !Console.IsErrorRedirected && ReferenceEquals(_log, Console.Error);
        var totalTimer = Stopwatch.StartNew();
        long itersDoneThisRun = 0;
        var groups = new BatchGroups(batches, o.Accumulate);
        using var runner = new StepRunner(model, criterion, parameters, optimizer, device, o.ClipGrad);
        var handover = new Handover(o.WarmupEpochs, o.HandoverAlignment, talFrom, o.Epochs);
        for (int epoch = startEpoch; epoch < o.Epochs; epoch++)
        {
            var mode = handover.ModeFor(epoch);
            runner.MeasureAlignment = handover.Measures(epoch);
            var epochTimer = Stopwatch.StartNew();
            using var monitor = new StepMonitor(device);
            double waitSum = 0;
            // A mid-epoch checkpoint resumes at its next batch (the loader's order is a function of seed and epoch).
            int it = epoch == startEpoch ? startIteration : 0;
            double lr = schedule.At(step, epoch);
            bool logDue = false;
            model.zero_grad();
            long stepStart = Stopwatch.GetTimestamp();
            var pending = new List<Batch>();
            try
            {
                await foreach (var batch in loader.ReadEpochAsync(epoch, it, ct))
                {
                    pending.Add(batch);
                    // ATSS assigns the whole group before its first forward (the normalisers need every image).
                    if (mode == AssignMode.Atss && !groups.EndsGroup(it + pending.Count - 1)) continue;
                    foreach (var micro in pending)
                    {
                        ct.ThrowIfCancellationRequested();
                        waitSum += micro.WaitSeconds;
                        long syncsBefore = Reads.Count;
                        double tAssign = 0, tOptim = 0;
                        if (it % o.Accumulate == 0)
                            tAssign += runner.BeginGroup(mode, groups.SizeOf(it), pending).TotalSeconds;
                        int e = epoch, i = it;
                        var context = string.Create(inv, $"epoch {epoch + 1}, iteration {it + 1} (step {step}); batch image ids: {string.Join(' ', micro.ImageIds)}");
                        var t = runner.RunMicro(micro, context, monitor, LossHook is null ? null : total => LossHook(e, i, total));
                        it++;
                        itersDoneThisRun++;
                        logDue |= it % o.LogEvery == 0 || it == batches;
                        if (groups.EndsGroup(it - 1))
                        {
                            long tOpt = Stopwatch.GetTimestamp();
                            lr = schedule.At(step, epoch);
                            runner.EndGroup(lr, monitor);
                            step++;
                            if (o.SaveEvery is { } every && step % every == 0 && it < batches)
                                Checkpoint.Save(lastPath, model, Meta(model, train, map, epoch, step, best, handover, o) with { EpochIterations = it }, optimizer);
                            tOptim = Seconds(Stopwatch.GetTimestamp() - tOpt);
                            if (interactive || logDue)
                            {
                                WriteProgress(monitor.Read(Reads), epoch, it, batches, mode, lr, waitSum, epochTimer.Elapsed.TotalSeconds, interactive, model.Head == HeadKind.Parallel, lastPath);
                                logDue = false;
                            }
                        }
                        AfterIteration?.Invoke(epoch, it, step);
                        long stepEnd = Stopwatch.GetTimestamp();
                        StepTimed?.Invoke(new StepTiming(epoch, it, micro.WaitSeconds, t.Forward, t.Assign + tAssign, t.Loss, t.Backward, tOptim,
                            Seconds(stepEnd - stepStart), Reads.Count - syncsBefore));
                        stepStart = stepEnd;
                    }
                    foreach (var b in pending) b.Dispose();
                    pending.Clear();
                }
            }
            finally
            {
                foreach (var b in pending) b.Dispose();
            }
            if (interactive) _log.WriteLine();
            double epochSeconds = epochTimer.Elapsed.TotalSeconds;
            // Before anything is saved: the epoch's means, the watch, and the parameters themselves (a
            // non-finite gradient in the epoch's last step has no later loss to show up in).
            MonitorReading epochStats;
            using (var finite = ParametersFinite(model))
            using (var alignment = runner.TakeAlignmentSums())
                epochStats = monitor.Read(Reads, finite, alignment);
            ThrowIfNonFinite(epochStats, lastPath);
            if (!epochStats.ExtraFlag)
                throw new NonFiniteLossException(string.Create(inv,
                    $"non-finite parameters after epoch {epoch + 1} (step {step}): a non-finite gradient in the epoch's last step; last good checkpoint: {(File.Exists(lastPath) ? lastPath : "none")}"));

            if (handover.EndEpoch(epoch, StepRunner.AlignmentFrom(epochStats.Extra)) is { } handoverLine) _log.WriteLine(handoverLine);

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

            var meta = Meta(model, train, map, epoch + 1, step, best, handover, o);
            Checkpoint.Save(lastPath, model, meta, optimizer);
            if (isBest) Checkpoint.Save(bestPath, model, meta);

            var row = new EpochMetrics(epoch, step, mode == AssignMode.TaskAligned ? "tal" : "atss", lr,
                epochStats.Total, epochStats.Cls, epochStats.Bbox, model.Head == HeadKind.Parallel ? epochStats.Centerness : null,
                epochStats.Positives, it / Math.Max(1e-9, epochSeconds), waitSum / Math.Max(1e-9, epochSeconds), epochSeconds, ap, ap50);
            metricsLog.Append(row);
            CurvePlot.Save(Path.Combine(o.RunDir, CurvesName), metricsLog.Read());
        }
        var rows = metricsLog.Read();
        _log.WriteLine(string.Create(inv, $"done: {o.Epochs} epochs, {step} steps, {itersDoneThisRun} iterations this run in {totalTimer.Elapsed:hh\\:mm\\:ss} ({Reads.Count} host reads); best val AP {(best is null ? "n/a" : best.Value.ToString("F4", inv))}; checkpoints in {o.RunDir}"));
        return new TrainResult(o.Epochs, step, best, rows);
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    /// <summary>Device bool scalar: every parameter finite (spec P2/P5); read with the epoch's statistics.</summary>
    private static Tensor ParametersFinite(ToodDetector model)
    {
        using var scope = torch.NewDisposeScope();
        return torch.stack(model.parameters().Select(p => p.isfinite().all()).ToArray()).all().MoveToOuterDisposeScope();
    }

    private static void ThrowIfNonFinite(MonitorReading r, string lastPath)
    {
        if (r.BadContext is null) return;
        throw new NonFiniteLossException(string.Create(CultureInfo.InvariantCulture,
            $"non-finite loss ({r.BadValue}) at {r.BadContext}; last good checkpoint: {(File.Exists(lastPath) ? lastPath : "none")}"));
    }

    private void WriteProgress(MonitorReading r, int epoch, int it, int batches, AssignMode mode, double lr, double waitSum, double elapsed, bool interactive, bool hasCtr, string lastPath)
    {
        ThrowIfNonFinite(r, lastPath);
        var o = Options;
        double ips = it / Math.Max(1e-9, elapsed);
        long remaining = (long)(o.Epochs - epoch - 1) * batches + (batches - it);
        var eta = TimeSpan.FromSeconds(remaining / Math.Max(1e-9, ips));
        var line = string.Create(CultureInfo.InvariantCulture,
            $"epoch {epoch + 1}/{o.Epochs} iter {it}/{batches} [{(mode == AssignMode.TaskAligned ? "tal" : "atss")}] loss {r.Total:F4} (cls {r.Cls:F4} bbox {r.Bbox:F4}{(hasCtr ? $" ctr {r.Centerness:F4}" : "")}) pos {r.Positives:F1} lr {lr:G4} {ips:F2} it/s data {100 * waitSum / Math.Max(1e-9, elapsed):F0}% ETA {eta:hh\\:mm\\:ss}");
        if (interactive) _log.Write("\r" + line.PadRight(150));
        else _log.WriteLine(line);
    }

    private static CheckpointMeta Meta(ToodDetector model, CocoDetectionDataset train, CategoryMap map, int epochsDone, long step, double? best, Handover handover, TrainOptions o)
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
            TalFromEpoch = handover.TalFromEpoch,
            TrainingData = o.DataCredit is null ? train.Summary() : $"{train.Summary()}. {o.DataCredit}",
            Extra = new Dictionary<string, string>
            {
                ["seed"] = o.Seed.ToString(inv),
                ["lr"] = o.Lr.ToString("R", inv),
                ["schedule"] = o.Schedule.ToString().ToLowerInvariant(),
                ["warmup_iters"] = o.WarmupIters.ToString(inv),
                ["warmup_epochs"] = o.WarmupEpochs.ToString(inv),
                ["handover_alignment"] = o.HandoverAlignment.ToString("R", inv),
                ["init"] = o.Init is null ? "none" : Path.GetFileName(o.Init),
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
