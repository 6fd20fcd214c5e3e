using Tood.Train.Data;
using Tood.Train.Data.Augment;
using Tood.Train.Model;

namespace Tood.Train.Training;

/// <summary>Everything <c>tood-train train</c> accepts (defaults follow spec §5 except where noted).</summary>
public sealed record TrainOptions
{
    /// <summary>The training data: a COCO json (with <see cref="TrainImages"/>), a YOLO data.yaml or a VOC folder.</summary>
    public required string TrainAnnotations { get; init; }
    /// <summary>More training data after <see cref="TrainAnnotations"/> (YOLO data.yaml or VOC folders, same
    /// <see cref="TrainSplit"/>), trained on as one dataset with classes matched by name (<see cref="Realtime.Datasets.DetectionDataMerge"/>).</summary>
    public IReadOnlyList<string> MoreTrainData { get; init; } = [];
    /// <summary>Image folder of a COCO json; unused for YOLO/VOC.</summary>
    public string? TrainImages { get; init; }
    public string TrainSplit { get; init; } = "train";
    public string? ValAnnotations { get; init; }
    public string? ValImages { get; init; }
    public string ValSplit { get; init; } = "val";
    /// <summary>Train (and validate) only these classes, by name; null = every class of the data.</summary>
    public IReadOnlyList<string>? Classes { get; init; }
    /// <summary>Credit line for the data (licence, attribution), appended to the checkpoint's training_data.</summary>
    public string? DataCredit { get; init; }
    /// <summary>Overrides the preset's <see cref="ModelConfig.FrozenStages"/> (-1 none, 0 stem, 1 stem + layer1, …).</summary>
    public int? FrozenStages { get; init; }
    /// <summary>Overrides the preset's <see cref="ModelConfig.NormEval"/> (backbone BN statistics frozen).</summary>
    public bool? NormEval { get; init; }
    /// <summary>Overrides the preset's <see cref="ModelConfig.FreezeNormAffine"/> (backbone BN γ/β frozen too).</summary>
    public bool? FreezeNormAffine { get; init; }
    public required string RunDir { get; init; }
    public string Preset { get; init; } = "tiny";
    /// <summary>A custom architecture instead of <see cref="Preset"/> (library use). Its NumClasses is
    /// replaced by the dataset's and its Head by <see cref="Head"/> (so <c>ablate</c> can switch heads).
    /// Stored in the checkpoint like a preset's.</summary>
    public ModelConfig? Model { get; init; }
    public HeadKind Head { get; init; } = HeadKind.TaskAligned;
    public int Epochs { get; init; } = 12;
    public int BatchSize { get; init; } = 16;
    /// <summary>Input size (<see cref="ImageSizeSpec"/>: square letterbox S or keep-ratio WxH); null = the
    /// preset's recipe, <see cref="EffectiveImageSize"/>.</summary>
    public ImageSizeSpec? ImageSize { get; init; }
    public string Device { get; init; } = "auto";
    public bool Resume { get; init; }
    public double Lr { get; init; } = 0.01;
    /// <summary>Learning rate of the neck and head as a multiple of <see cref="Lr"/> (the backbone trains at <see cref="Lr"/>);
    /// 1 = one rate for all, the paper's.</summary>
    public double HeadLrMult { get; init; } = 1;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 1e-4;
    public int WarmupIters { get; init; } = 500;
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Step;
    /// <summary>ATSS warm-up epochs before TAL (spec §4, P4).</summary>
    public int WarmupEpochs { get; init; } = 4;
    /// <summary>After <see cref="WarmupEpochs"/>, TAL starts at the first epoch whose alignment — TAL's t = s·u⁶ at each gt's
    /// best-aligned anchor, averaged over gts — reached this (<see cref="Handover"/>); 0 = right after the warm-up
    /// epochs, the paper's fixed schedule.</summary>
    public double HandoverAlignment { get; init; } = 0.2;
    /// <summary>Micro-batches per optimizer step (spec P6: accumulate to the paper's 16 images). The group is normalised
    /// by its sums over all its images, exactly as one batch of them (<see cref="StepRunner"/>).</summary>
    public int Accumulate { get; init; } = 1;
    /// <summary>Max global gradient norm; 0 = no clipping; null = the preset's, <see cref="EffectiveClipGrad"/>.</summary>
    public double? ClipGrad { get; init; }
    /// <summary>EMA of the weights for validation, best.ckpt and export (<see cref="WeightEma"/>): the decay D; null = none.</summary>
    public double? Ema { get; init; }
    /// <summary>Steps over which the EMA decay ramps up to <see cref="Ema"/> (d_k = D·(1 − exp(−k/τ))).</summary>
    public double EmaTau { get; init; } = 2000;
    public int Seed { get; init; }
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);
    /// <summary>Horizontal flip only, no scale jitter (spec §5); null = the preset's recipe, <see cref="EffectiveAugment"/>.</summary>
    public bool? FlipOnly { get; init; }
    /// <summary>Scale jitter range when not flip-only (1,1 disables it). Square sizes: the letterbox scale times
    /// r, cropped to the canvas; keep-ratio: mmdet's ratio_range (the WxH scale times r).</summary>
    public double MinScale { get; init; } = 0.75;
    public double MaxScale { get; init; } = 1.25;
    /// <summary>Share of training samples composed as a four-image mosaic (<see cref="Data.Augment.Mosaic"/>; square sizes; 0 = none, the default).</summary>
    public double Mosaic { get; init; }
    /// <summary>Train on images without a box of the training classes too. mmdet skips them (filter_empty_gt, spec §5);
    /// a one-class detector cut out of a many-class set (persons of COCO) needs them to see what is not its class.</summary>
    public bool KeepEmpty { get; init; }
    /// <summary>Print a progress line every N iterations when stderr is redirected.</summary>
    public int LogEvery { get; init; } = 20;
    /// <summary>Also write last.ckpt every N optimizer steps inside an epoch, so a killed run loses at most N steps;
    /// null = at epoch ends only. <c>--resume</c> continues from the batch after it, to the same weights.</summary>
    public int? SaveEvery { get; init; }
    /// <summary>Validate every N epochs (and always after the last).</summary>
    public int ValEvery { get; init; } = 1;
    /// <summary>A trained Tood detector to start from (<c>.ckpt</c> or Tood-exported <c>.onnx</c>, <see cref="Pretrained.DetectorInit"/>):
    /// its architecture and weights, the classifier re-initialised when the classes differ. Excludes <see cref="BackboneWeights"/>.</summary>
    public string? Init { get; init; }
    /// <summary>torchvision ResNet state dict (.pth or .safetensors) for the backbone; null = from scratch.</summary>
    public string? BackboneWeights { get; init; }

    /// <summary>The architecture to build: <see cref="Model"/> or the preset, with the dataset's class count,
    /// <see cref="Head"/> and the backbone freezing overrides applied.</summary>
    public ModelConfig ResolveModel(int numClasses)
    {
        var cfg = Model is { } custom ? custom with { NumClasses = numClasses, Head = Head } : ModelPresets.Get(Preset, numClasses, Head);
        return cfg with
        {
            FrozenStages = FrozenStages ?? cfg.FrozenStages,
            NormEval = NormEval ?? cfg.NormEval,
            FreezeNormAffine = FreezeNormAffine ?? cfg.FreezeNormAffine,
        };
    }

    public void Validate()
    {
        static void Check(bool ok, string message) { if (!ok) throw new Tood.CommandLine.UsageException(message); }
        Check(Epochs >= 1, $"--epochs must be ≥ 1, got {Epochs}");
        Check(BatchSize >= 1, $"--batch must be ≥ 1, got {BatchSize}");
        Check(EffectiveImageSize.Problem() is null, $"--imgsz: {EffectiveImageSize.Problem()}");
        Check(Lr > 0 && double.IsFinite(Lr), $"--lr must be positive, got {Lr}");
        Check(WarmupIters >= 0, $"--warmup-iters must be ≥ 0, got {WarmupIters}");
        Check(WarmupEpochs >= 0, $"--warmup-epochs must be ≥ 0, got {WarmupEpochs}");
        Check(HandoverAlignment is >= 0 and <= 1, $"--handover-alignment must be in [0,1], got {HandoverAlignment}");
        Check(Accumulate >= 1, $"--accumulate must be ≥ 1, got {Accumulate}");
        Check(Ema is null || Ema is > 0 and < 1, $"--ema must be in (0, 1), got {Ema}");
        Check(EmaTau > 0, $"--ema-tau must be > 0, got {EmaTau}");
        Check(HeadLrMult > 0, $"--head-lr-mult must be > 0, got {HeadLrMult}");
        Check(ClipGrad is null || ClipGrad >= 0, $"--clip-grad must be ≥ 0 (0 = no clipping), got {ClipGrad}");
        Check(Workers >= 1, $"--workers must be ≥ 1, got {Workers}");
        Check(MinScale > 0 && MaxScale >= MinScale, $"--scale-jitter must be MIN,MAX with 0 < MIN ≤ MAX");
        Check(Mosaic is >= 0 and <= 1, $"--mosaic must be in [0,1], got {Mosaic}");
        Check(Mosaic == 0 || !EffectiveImageSize.KeepRatio, "--mosaic needs a square --imgsz (a mosaic is one S×S canvas)");
        static bool IsJson(string? p) => p?.EndsWith(".json", StringComparison.OrdinalIgnoreCase) == true;
        Check(!IsJson(TrainAnnotations) || TrainImages is not null, "--images DIR is needed with a COCO .json --data");
        Check(!MoreTrainData.Any(IsJson), "only the first --data may be a COCO .json (its --images is the only image folder); give the others as YOLO data.yaml or VOC folders");
        Check(!IsJson(ValAnnotations) || ValImages is not null, "--val-images DIR is needed with a COCO .json --val-data");
        Check(ValImages is null || ValAnnotations is not null, "--val-images needs --val-data");
        Check(ValEvery >= 1, $"--val-every must be ≥ 1, got {ValEvery}");
        Check(SaveEvery is null or >= 1, $"--save-every must be ≥ 1, got {SaveEvery}");
        Check(Init is null || BackboneWeights is null, "--init and --backbone-weights exclude each other (the --init model has its backbone)");
    }

    private bool PaperScalePreset => (Model?.Preset ?? Preset).Equals("r50", StringComparison.OrdinalIgnoreCase);

    /// <summary>The input size trained at: <see cref="ImageSize"/>, else the preset's recipe — r50: keep-ratio
    /// 1333x800 padded to 32 (the paper's, spec §5); tiny/r18: a 512 square letterbox, faster on small models
    /// and exactly what the deployed fixed-size ONNX model sees.</summary>
    public ImageSizeSpec EffectiveImageSize => ImageSize ?? (PaperScalePreset ? ImageSizeSpec.Mmdet1333x800 : ImageSizeSpec.Square(512));

    /// <summary>The gradient clipping trained with: <see cref="ClipGrad"/> (0 = none), else none for r50 (the paper's
    /// configs, spec §5) and a global norm of 10 for the small presets. Deviation from mmdet's TOOD config, which
    /// clips nothing: fine-tuning on a dozen photos at lr 0.01 diverged without it (a step throws the boxes far off
    /// their objects, where GIoU's gradient vanishes; BENCHMARKS.md §15), and every small-data recipe here uses 10.</summary>
    public double? EffectiveClipGrad => ClipGrad switch
    {
        null => PaperScalePreset ? null : SmallPresetClipGrad,
        0 => null,
        { } clip => clip,
    };

    /// <summary>Default max gradient norm of the small presets (<see cref="EffectiveClipGrad"/>).</summary>
    public const double SmallPresetClipGrad = 10;

    /// <summary>The augmentation trained with: flip only for r50 (spec §5) unless <see cref="FlipOnly"/> says
    /// otherwise; flip + scale jitter (<see cref="MinScale"/>..<see cref="MaxScale"/>) for the small presets.</summary>
    public AugmentOptions EffectiveAugment => ((FlipOnly ?? PaperScalePreset) ? AugmentOptions.FlipOnly : new AugmentOptions(0.5, MinScale, MaxScale))
        with { MosaicProbability = Mosaic };
}
