using System.CommandLine;
using Tood.CommandLine;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary>
/// Every <c>tood-train train</c> option (also taken by <c>ablate</c>), read into <see cref="TrainOptions"/>; defaults
/// are <see cref="TrainOptions"/>'s, its <see cref="TrainOptions.Validate"/> checks the ranges. A new training
/// option: declare it here, add it in <see cref="AddTo"/>, set it in <see cref="Read"/>.
/// </summary>
internal sealed class TrainOptionSet
{
    private static readonly TrainOptions D = new() { TrainAnnotations = "", TrainImages = "", RunDir = "" };

    public Option<string[]> Data { get; } = RequiredRepeatable("--data", "DATA",
        "training data: COCO ANN.json (with --images), YOLO data.yaml or a VOC folder; repeat it to train on several (classes matched by name; a source given twice is sampled twice as often)");
    public Option<string?> Images { get; } = CliOptions.Text("--images", "DIR", "training images of a COCO json");
    public Option<string> Split { get; } = CliOptions.Value("--split", "NAME", "training split of a YOLO/VOC dataset (data.yaml key, VOC ImageSets/Main/NAME.txt)", s => s, () => "train");
    public Option<string> ValSplit { get; } = CliOptions.Value("--val-split", "NAME", "validation split of a YOLO/VOC --val-data", s => s, () => "val");
    public Option<string[]> Classes { get; } = CliOptions.List("--classes", "a,b", "train and validate only these classes, by name");
    public Option<string?> DataCredit { get; } = CliOptions.Text("--data-credit", "TEXT", "credit/licence line for the data, stored in the model's training_data");
    public Option<int?> FrozenStages { get; } = CliOptions.OptionalInt("--frozen-stages", "N", "backbone stages frozen: -1 none, 0 stem, 1 stem+layer1, … (default: the preset's)", min: -1);
    public Option<string?> BackboneNorm { get; } = CliOptions.Value<string?>("--backbone-norm", "frozen|eval|train",
        "backbone BatchNorm: frozen statistics and γ/β, frozen statistics (mmdet norm_eval), or trained (default: the preset's)",
        s => s is "frozen" or "eval" or "train" ? s : throw new FormatException($"--backbone-norm must be frozen|eval|train, got '{s}'"));
    public Option<string> Out { get; } = CliOptions.RequiredText("--out", "RUNDIR", "run folder: checkpoints, metrics.csv, curves.png");
    public Option<string?> ValData { get; } = CliOptions.Text("--val-data", "ANN.json", "validation data: COCO ANN.json (with --val-images), YOLO data.yaml or a VOC folder");
    public Option<string?> ValImages { get; } = CliOptions.Text("--val-images", "DIR", "validation images");
    public Option<string> Preset { get; } = TrainCliOptions.Preset(D.Preset);
    public Option<Model.HeadKind> Head { get; } = TrainCliOptions.Head();
    public Option<int> Epochs { get; } = CliOptions.Int("--epochs", "N", "epochs", D.Epochs);
    public Option<int> Batch { get; } = CliOptions.Int("--batch", "N", "images per micro-batch", D.BatchSize);
    public Option<Data.ImageSizeSpec?> ImageSize { get; } = TrainCliOptions.ImageSizeSpec(
        "input size: S = square letterbox (a multiple of 32), WxH = keep-ratio like mmdet (1333x800, pad 32); default: the preset's recipe (r50 1333x800, tiny/r18 512)");
    public Option<string> Device { get; } = TrainCliOptions.Device(D.Device);
    public Option<bool> Resume { get; } = CliOptions.Flag("--resume", "continue from RUNDIR/last.ckpt (weights, optimizer, epoch)");
    public Option<double> Lr { get; } = CliOptions.Number("--lr", "X", "base learning rate (SGD)", D.Lr);
    public Option<double> HeadLrMult { get; } = CliOptions.Number("--head-lr-mult", "X", "neck and head learning rate = X × --lr (the backbone trains at --lr)", D.HeadLrMult);
    public Option<int> WarmupIters { get; } = CliOptions.Int("--warmup-iters", "N", "linear learning-rate warm-up iterations", D.WarmupIters);
    public Option<string> Schedule { get; } = CliOptions.Choice("--schedule", "learning-rate schedule after warm-up", "step", "step", "cosine");
    public Option<int> WarmupEpochs { get; } = CliOptions.Int("--warmup-epochs", "N", "ATSS assignment epochs before TAL", D.WarmupEpochs);
    public Option<double> HandoverAlignment { get; } = CliOptions.Number("--handover-alignment", "X",
        "after the warm-up epochs, start TAL once its alignment s·u^6 at each object's best anchor averages X over an epoch (0 = right after them, the paper's schedule)", D.HandoverAlignment);
    public Option<int> Accumulate { get; } = CliOptions.Int("--accumulate", "N", "micro-batches per optimizer step", D.Accumulate);
    public Option<double?> ClipGrad { get; } = CliOptions.Value<double?>("--clip-grad", "X", "max global gradient norm, 0 = no clipping (default: 10 for tiny/r18/r18mlnet, none for r50 as the paper)",
        s => CliOptions.ParseNumber("--clip-grad", s) is var v && v >= 0 ? v : throw new FormatException($"--clip-grad must be ≥ 0 (0 = no clipping), got {s}"));
    public Option<double?> Ema { get; } = CliOptions.Value<double?>("--ema", "D",
        "validate, keep best and export an exponential moving average of the weights with decay D (e.g. 0.9998; default: none)",
        s => CliOptions.ParseNumber("--ema", s) is var v && v > 0 && v < 1 ? v : throw new FormatException($"--ema must be in (0, 1), got {s}"));
    public Option<double> EmaTau { get; } = CliOptions.Number("--ema-tau", "N", "steps over which the EMA decay ramps up: D·(1 − exp(−step/N))", D.EmaTau);
    public Option<int> Seed { get; } = CliOptions.Int("--seed", "N", "random seed", D.Seed);
    public Option<int> Workers { get; } = TrainCliOptions.Workers(D.Workers);
    public Option<(double Min, double Max)?> ScaleJitter { get; } = CliOptions.Value<(double Min, double Max)?>("--scale-jitter", "MIN,MAX",
        "random rescale range (default 0.75,1.25 for tiny/r18; r50 trains flip-only unless this is given)", s => ParseJitter(s));
    public Option<bool> FlipOnly { get; } = CliOptions.Flag("--flip-only", "horizontal flip only, no scale jitter (spec §5; the r50 default)");
    public Option<double> Mosaic { get; } = CliOptions.Number("--mosaic", "P",
        "share of training samples composed as a four-image mosaic, most objects smaller than in their photo (square --imgsz; 0 = none)", D.Mosaic);
    public Option<bool> KeepEmpty { get; } = CliOptions.Flag("--keep-empty",
        "also train on images without a box of the training classes (pure negatives; by default they are skipped, as mmdet does)");
    public Option<int> LogEvery { get; } = CliOptions.Int("--log-every", "N", "progress line every N iterations when stderr is redirected", D.LogEvery);
    public Option<int> ValEvery { get; } = CliOptions.Int("--val-every", "N", "validate every N epochs (and after the last)", D.ValEvery);
    public Option<int?> SaveEvery { get; } = CliOptions.OptionalInt("--save-every", "N",
        "also write last.ckpt every N steps inside an epoch (a killed run loses at most N steps; --resume continues from there)", min: 1);
    public Option<string?> Init { get; } = CliOptions.Text("--init", "MODEL",
        "start from a trained Tood detector (.ckpt, or .onnx that Tood exported): its architecture and weights; the classifier is re-initialised when the classes differ");
    public Option<string?> BackboneWeights { get; } = CliOptions.Text("--backbone-weights", "FILE", "ImageNet backbone: torchvision ResNet .pth/.safetensors, or 'resnet18-mlnet' (packaged, preset r18mlnet)");

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var o in new Option[] { Data, Images, Split, Out, ValData, ValImages, ValSplit, Classes, DataCredit, Preset, Head, Epochs, Batch, ImageSize, Device, Resume, Lr,
                     HeadLrMult, WarmupIters, Schedule, WarmupEpochs, HandoverAlignment, Accumulate, ClipGrad, Ema, EmaTau, Seed, Workers, ScaleJitter, FlipOnly, Mosaic, KeepEmpty, LogEvery, ValEvery, SaveEvery, Init, BackboneWeights, FrozenStages, BackboneNorm })
            command.Options.Add(o);
    }

    /// <summary>The options of a parsed command line; a value out of range throws <see cref="UsageException"/>.</summary>
    public TrainOptions Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var jitter = parse.GetValue(ScaleJitter);
        bool flipOnly = parse.GetValue(FlipOnly);
        if (flipOnly && jitter is not null) throw new UsageException("--flip-only and --scale-jitter exclude each other");
        var o = new TrainOptions
        {
            TrainAnnotations = parse.GetRequiredValue(Data)[0],
            MoreTrainData = parse.GetRequiredValue(Data)[1..],
            TrainImages = parse.GetValue(Images),
            TrainSplit = parse.GetRequiredValue(Split),
            ValSplit = parse.GetRequiredValue(ValSplit),
            Classes = parse.GetValue(Classes) is { Length: > 0 } classes ? classes : null,
            DataCredit = parse.GetValue(DataCredit),
            FrozenStages = parse.GetValue(FrozenStages),
            RunDir = parse.GetRequiredValue(Out),
            ValAnnotations = parse.GetValue(ValData),
            ValImages = parse.GetValue(ValImages),
            Preset = parse.GetRequiredValue(Preset),
            Head = parse.GetValue(Head),
            Epochs = parse.GetValue(Epochs),
            BatchSize = parse.GetValue(Batch),
            ImageSize = parse.GetValue(ImageSize),
            Device = parse.GetRequiredValue(Device),
            Resume = parse.GetValue(Resume),
            Lr = parse.GetValue(Lr),
            HeadLrMult = parse.GetValue(HeadLrMult),
            WarmupIters = parse.GetValue(WarmupIters),
            Schedule = parse.GetRequiredValue(Schedule) == "cosine" ? ScheduleKind.Cosine : ScheduleKind.Step,
            WarmupEpochs = parse.GetValue(WarmupEpochs),
            HandoverAlignment = parse.GetValue(HandoverAlignment),
            Accumulate = parse.GetValue(Accumulate),
            ClipGrad = parse.GetValue(ClipGrad),
            Ema = parse.GetValue(Ema),
            EmaTau = parse.GetValue(EmaTau),
            Seed = parse.GetValue(Seed),
            Workers = parse.GetValue(Workers),
            MinScale = jitter?.Min ?? D.MinScale,
            MaxScale = jitter?.Max ?? D.MaxScale,
            FlipOnly = flipOnly ? true : jitter is not null ? false : null, // null: the preset's recipe
            Mosaic = parse.GetValue(Mosaic),
            KeepEmpty = parse.GetValue(KeepEmpty),
            LogEvery = Math.Max(1, parse.GetValue(LogEvery)),
            ValEvery = parse.GetValue(ValEvery),
            Init = parse.GetValue(Init),
            SaveEvery = parse.GetValue(SaveEvery),
            BackboneWeights = parse.GetValue(BackboneWeights),
        };
        // frozen: statistics and γ/β fixed (detectron2 FrozenBN); eval: statistics fixed (mmdet norm_eval); train: neither.
        o = parse.GetValue(BackboneNorm) switch
        {
            "frozen" => o with { NormEval = true, FreezeNormAffine = true },
            "eval" => o with { NormEval = true, FreezeNormAffine = false },
            "train" => o with { NormEval = false, FreezeNormAffine = false },
            _ => o,
        };
        o.Validate();
        return o;
    }

    private static Option<string[]> RequiredRepeatable(string name, string helpName, string description)
    {
        var option = CliOptions.Repeatable(name, helpName, description);
        option.Required = true;
        return option;
    }

    private static (double, double) ParseJitter(string s)
    {
        var parts = s.Split(',');
        if (parts.Length != 2) throw new FormatException("--scale-jitter must be MIN,MAX");
        return (CliOptions.ParseNumber("--scale-jitter", parts[0]), CliOptions.ParseNumber("--scale-jitter", parts[1]));
    }
}
