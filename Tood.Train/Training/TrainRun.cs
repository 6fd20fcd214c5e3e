using System.Diagnostics;
using System.Globalization;
using Tood.Train.Data;
using Tood.Train.Loss;
using Tood.Train.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>
/// What <see cref="Trainer.RunAsync"/> sets up before its first epoch — device, data, the model (new, from
/// <c>--init</c>, or resumed from RUNDIR/last.ckpt), optimizer, loader, schedule — and the progress its epochs
/// share (step, best AP). Owns the model, the optimizer and the step runner.
/// </summary>
internal sealed class TrainRun : IDisposable
{
    public TrainOptions Options { get; }
    public Device Device { get; }
    public string LastPath { get; }
    public string BestPath { get; }
    public CocoDetectionDataset Train { get; }
    public CocoDetectionDataset? Val { get; }
    public ToodDetector Model { get; }
    public TorchSharp.Modules.SGD Optimizer { get; }
    public DataLoader Loader { get; }
    public BatchGroups Groups { get; }
    public LrSchedule Schedule { get; }
    public MetricsLog Metrics { get; }
    public StepRunner Runner { get; }
    public Handover Handover { get; }
    /// <summary>The weight average (<c>--ema</c>), or null.</summary>
    public WeightEma? Ema { get; }

    /// <summary>The weights validation, best.ckpt and export use: the average with <c>--ema</c>, else the trained ones.</summary>
    public ToodDetector Evaluated => Ema?.Model ?? Model;

    /// <summary>The first epoch of this run and the batch within it to start at (a mid-epoch checkpoint resumes at its next batch).</summary>
    public int StartEpoch { get; }
    public int StartIteration { get; }
    public long Step { get; set; }
    public double? Best { get; set; }
    public long ItersDoneThisRun { get; set; }

    /// <summary>Progress on one line rewritten in place (a terminal) rather than a line per logging interval.</summary>
    public bool Interactive { get; }
    public Stopwatch TotalTimer { get; }

    public static TrainRun Open(TrainOptions o, TextWriter log)
    {
        var device = DeviceSelector.Resolve(o.Device);
        Directory.CreateDirectory(o.RunDir);
        string lastPath = Path.Combine(o.RunDir, Trainer.LastName);
        LoadedCheckpoint? resumed = null;
        if (o.Resume)
        {
            if (!File.Exists(lastPath)) throw new CheckpointException($"--resume: no checkpoint '{lastPath}' to resume from");
            resumed = Checkpoint.Load(lastPath, device);
        }

        CategoryMap? map = resumed is null ? null : new CategoryMap(resumed.Meta.CategoryIds, resumed.Meta.ClassNames);
        var train = CocoDetectionDataset.Open([o.TrainAnnotations, .. o.MoreTrainData], o.TrainImages, o.TrainSplit, o.Classes, map, w => log.WriteLine(w));
        map = train.Categories;
        var val = o.ValAnnotations is null ? null : CocoDetectionDataset.Open(o.ValAnnotations, o.ValImages, o.ValSplit, o.Classes, map, w => log.WriteLine(w));

        torch.manual_seed(o.Seed);
        var model = resumed is null ? NewModel(o, map, device, log) : ResumedModel(o, resumed, map, lastPath);
        // An EMA run's last.ckpt holds the average as its model and the trained weights beside it: training goes on
        // from the latter. The models' ownership moves to the run (the checkpoint is not disposed).
        ToodDetector? average = null;
        if (resumed?.TrainingState is { } trainingState)
            (average, model) = (model, Checkpoint.ModelFromState(resumed.Meta, trainingState, lastPath, device));
        if (o.Ema is null && average is not null)
        {
            log.WriteLine("resume: the checkpoint's weight average is dropped (no --ema); training continues from its trained weights");
            average.Dispose();
            average = null;
        }
        return new TrainRun(o, device, lastPath, resumed?.Meta, resumed?.OptimizerState, train, val, model, average, log);
    }

    private TrainRun(TrainOptions o, Device device, string lastPath, CheckpointMeta? resumed, byte[]? optimizerState,
        CocoDetectionDataset train, CocoDetectionDataset? val, ToodDetector model, ToodDetector? average, TextWriter log)
    {
        (Options, Device, LastPath, Train, Val, Model) = (o, device, lastPath, train, val, model);
        BestPath = Path.Combine(o.RunDir, Trainer.BestName);
        (StartEpoch, StartIteration, Step, Best) = (resumed?.Epoch ?? 0, resumed?.EpochIterations ?? 0, resumed?.GlobalStep ?? 0, resumed?.BestMap);
        try
        {
            model.train();
            var groups = OptimizerGroups.Create(model, o);
            Optimizer = groups.Optimizer;
            if (optimizerState is not null) Checkpoint.RestoreOptimizer(Optimizer, optimizerState);

            var size = o.EffectiveImageSize;
            Loader = new DataLoader(train, new DataLoaderOptions(o.BatchSize, size, Shuffle: true, o.EffectiveAugment, o.Seed,
                SkipEmpty: !o.KeepEmpty, DropLast: false, o.Workers, Prefetch: 2, size.KeepRatio ? BatchGrouping.Orientation : BatchGrouping.None));
            Groups = new BatchGroups(Loader.BatchesPerEpoch, o.Accumulate);
            Schedule = new LrSchedule(o.Lr, o.Epochs, Groups.Steps, o.Schedule, o.WarmupIters);
            var criterion = new ToodLoss(train.Categories.Count);
            Metrics = new MetricsLog(Path.Combine(o.RunDir, Trainer.MetricsName));
            Metrics.TruncateFrom(StartEpoch);
            LogStart(log, resumed is not null);

            Interactive = !Console.IsErrorRedirected && ReferenceEquals(log, Console.Error);
            TotalTimer = Stopwatch.StartNew();
            Runner = new StepRunner(model, criterion, groups, device, o.EffectiveClipGrad);
            Handover = new Handover(o.WarmupEpochs, o.HandoverAlignment, resumed?.TalFromEpoch, o.Epochs);
            if (o.Ema is { } decay)
                Ema = average is null ? WeightEma.StartingAt(model, decay, o.EmaTau, device) : new WeightEma(model, average, decay, o.EmaTau);
        }
        catch
        {
            Optimizer?.Dispose();
            model.Dispose();
            average?.Dispose();
            throw;
        }
    }

    private static ToodDetector NewModel(TrainOptions o, CategoryMap map, Device device, TextWriter log)
    {
        using var init = o.Init is null ? null : Pretrained.DetectorInit.Read(o.Init);
        // --init: the source's architecture (its head too), with this data's classes and the freezing overrides.
        var arch = init is null ? o : o with { Model = init.Config, Head = init.Config.Head };
        ToodDetector model;
        try { model = new ToodDetector(arch.ResolveModel(map.Count)); }
        catch (ArgumentException e) { throw new Tood.CommandLine.UsageException(e.Message); }
        if (init is not null) log.WriteLine(Pretrained.DetectorInit.Apply(model, init, map.Names, Path.GetFileName(o.Init!)));
        // ImageNet backbone (spec §1, P7); loaded before moving to the device.
        if (o.BackboneWeights is { } weights)
            log.WriteLine(Pretrained.BackboneWeights.Load(model, weights).Summary());
        model.to(device);
        return model;
    }

    private static ToodDetector ResumedModel(TrainOptions o, LoadedCheckpoint resumed, CategoryMap map, string lastPath)
    {
        var m = resumed.Meta;
        if (m.Model.NumClasses != map.Count)
            throw new CheckpointException($"checkpoint '{lastPath}' has {m.Model.NumClasses} classes, dataset {o.TrainAnnotations} has {map.Count}");
        // A resumed run continues a different generator state; reseed from (seed, epoch) for reproducibility.
        torch.manual_seed(o.Seed + m.Epoch);
        return resumed.Model;
    }

    private void LogStart(TextWriter log, bool resumed)
    {
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train: {Train.Summary()}; {Loader.SampleCount} {(Options.KeepEmpty ? "images (empty ones kept)" : "images with boxes")}, {Groups.Batches} batches/epoch, {Groups.Steps} steps/epoch; preset {Model.Config.Preset}, head {Model.Config.Head.ToName()}, {Model.TrainableParameters():N0} trainable params, device {Device.type}{(!resumed ? "" : $"; resumed at epoch {StartEpoch}, step {Step}{(StartIteration > 0 ? $", batch {StartIteration}" : "")}")}"));
        if (Train.SourceSummaries.Count > 1)
            foreach (var line in Train.SourceSummaries) log.WriteLine($"train source: {line}");
        if (Val is not null) log.WriteLine($"val: {Val.Summary()}");
    }

    /// <summary>Checkpoint metadata after <paramref name="epochsDone"/> whole epochs (a mid-epoch save adds its batch).</summary>
    public CheckpointMeta Meta(int epochsDone)
    {
        var o = Options;
        var inv = CultureInfo.InvariantCulture;
        return new CheckpointMeta
        {
            Model = Model.Config,
            ClassNames = [.. Train.Categories.Names],
            CategoryIds = [.. Train.Categories.CategoryIds],
            // Deployment input (export default); eval uses the training spec itself (ImageSizeSpec.EvalMetaKey).
            InputWidth = o.EffectiveImageSize.DeploymentSize.Width,
            InputHeight = o.EffectiveImageSize.DeploymentSize.Height,
            Epoch = epochsDone,
            GlobalStep = Step,
            BestMap = Best,
            TalFromEpoch = Handover.TalFromEpoch,
            TrainingData = o.DataCredit is null ? Train.Summary() : $"{Train.Summary()}. {o.DataCredit}",
            Extra = new Dictionary<string, string>
            {
                ["seed"] = o.Seed.ToString(inv),
                ["lr"] = o.Lr.ToString("R", inv),
                ["head_lr_mult"] = o.HeadLrMult.ToString("R", inv),
                ["schedule"] = o.Schedule.ToString().ToLowerInvariant(),
                ["warmup_iters"] = o.WarmupIters.ToString(inv),
                ["warmup_epochs"] = o.WarmupEpochs.ToString(inv),
                ["handover_alignment"] = o.HandoverAlignment.ToString("R", inv),
                ["init"] = o.Init is null ? "none" : Path.GetFileName(o.Init),
                ["epochs"] = o.Epochs.ToString(inv),
                ["batch"] = o.BatchSize.ToString(inv),
                ["accumulate"] = o.Accumulate.ToString(inv),
                ["clip_grad"] = o.EffectiveClipGrad?.ToString("R", inv) ?? "none",
                ["ema"] = o.Ema is { } ema ? string.Create(inv, $"{ema:R}, tau {o.EmaTau:R}") : "none",
                ["scale_jitter"] = o.EffectiveAugment is { MinScale: 1, MaxScale: 1 } ? "none (flip only)" : string.Create(inv, $"{o.EffectiveAugment.MinScale},{o.EffectiveAugment.MaxScale}"),
                ["mosaic"] = o.Mosaic.ToString("R", inv),
                ["keep_empty"] = o.KeepEmpty ? "true" : "false",
                [ImageSizeSpec.EvalMetaKey] = o.EffectiveImageSize.ToString(),
            },
        };
    }

    /// <summary>RUNDIR/last.ckpt: the evaluated weights, the optimizer and (with --ema) the trained weights to resume from.</summary>
    public void SaveLast(CheckpointMeta meta) => Checkpoint.Save(LastPath, Evaluated, meta, Optimizer, Ema is null ? null : Model);

    public void Dispose()
    {
        Ema?.Dispose();
        Runner.Dispose();
        Optimizer.Dispose();
        Model.Dispose();
    }
}
