using System.Globalization;
using Tood.CommandLine;
using Tood.Train.Model;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary><c>tood-train train ...</c>: see <see cref="Trainer"/>. Exit 0 done, 1 bad input, 2 usage, 3 non-finite loss.</summary>
public sealed class TrainCommand : ICommand
{
    public const int ExitNonFinite = 3;

    public string Name => "train";
    public string Usage => "train --data ANN.json|data.yaml|VOCDIR [--images DIR] [--split train] --out RUNDIR [--preset tiny|r18|r18mlnet|r50] [--epochs 12] [--batch 16] [--imgsz 512] "
        + "[--val-data ANN|data.yaml|VOCDIR [--val-images DIR] [--val-split val]] [--classes a,b] [--data-credit TEXT] [--device auto|cpu|cuda] [--resume] [--lr 0.01] [--warmup-iters 500] [--schedule step|cosine] "
        + "[--warmup-epochs 4] [--accumulate 1] [--clip-grad X] [--seed 0] [--head tood|parallel] [--workers N] [--scale-jitter 0.75,1.25] [--log-every 20] [--val-every 1] [--backbone-weights resnet50.pth|resnet18-mlnet] [--frozen-stages N] [--backbone-norm frozen|eval|train]";

    public static TrainOptions Parse(IReadOnlyList<string> args)
    {
        var a = new ArgParser(args, new HashSet<string> { "resume" });
        var d = new TrainOptions { TrainAnnotations = "", RunDir = "" };
        var schedule = a.String("schedule", "step")!;
        var head = a.String("head", "tood")!;
        var jitter = a.String("scale-jitter", "0.75,1.25")!.Split(',');
        double clip = a.Double("clip-grad", 0);
        var o = new TrainOptions
        {
            TrainAnnotations = a.Required("data"),
            TrainImages = a.String("images"),
            TrainSplit = a.String("split", d.TrainSplit)!,
            ValSplit = a.String("val-split", d.ValSplit)!,
            Classes = a.String("classes") is { } classes ? [.. classes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] : null,
            DataCredit = a.String("data-credit"),
            RunDir = a.Required("out"),
            ValAnnotations = a.String("val-data"),
            ValImages = a.String("val-images"),
            Preset = a.String("preset", d.Preset)!,
            Epochs = a.Int("epochs", d.Epochs),
            BatchSize = a.Int("batch", d.BatchSize),
            ImageSize = a.Int("imgsz", d.ImageSize),
            Device = a.String("device", d.Device)!,
            Resume = a.Flag("resume"),
            Lr = a.Double("lr", d.Lr),
            WarmupIters = a.Int("warmup-iters", d.WarmupIters),
            Schedule = schedule switch
            {
                "step" => ScheduleKind.Step,
                "cosine" => ScheduleKind.Cosine,
                _ => throw new UsageException($"--schedule must be step|cosine, got '{schedule}'"),
            },
            WarmupEpochs = a.Int("warmup-epochs", d.WarmupEpochs),
            Accumulate = a.Int("accumulate", d.Accumulate),
            ClipGrad = clip > 0 ? clip : a.Has("clip-grad") ? throw new UsageException($"--clip-grad must be positive, got {clip}") : null,
            Seed = a.Int("seed", d.Seed),
            Head = ParseHead(head),
            Workers = a.Int("workers", d.Workers),
            MinScale = jitter.Length == 2 ? ParseDouble(jitter[0]) : throw new UsageException("--scale-jitter must be MIN,MAX"),
            MaxScale = ParseDouble(jitter[1]),
            LogEvery = Math.Max(1, a.Int("log-every", d.LogEvery)),
            ValEvery = a.Int("val-every", d.ValEvery),
            BackboneWeights = a.String("backbone-weights"),
            FrozenStages = a.Has("frozen-stages") ? a.Int("frozen-stages", 1) : null,
        };
        var norm = a.String("backbone-norm");
        a.ThrowOnUnknown();
        // frozen: statistics and γ/β fixed (detectron2 FrozenBN); eval: statistics fixed (mmdet norm_eval); train: neither.
        if (norm is not null)
            o = norm switch
            {
                "frozen" => o with { NormEval = true, FreezeNormAffine = true },
                "eval" => o with { NormEval = true, FreezeNormAffine = false },
                "train" => o with { NormEval = false, FreezeNormAffine = false },
                _ => throw new UsageException($"--backbone-norm must be frozen|eval|train, got '{norm}'"),
            };
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        if (!ModelPresets.Names.Contains(o.Preset.ToLowerInvariant()))
            throw new UsageException($"--preset must be {string.Join("|", ModelPresets.Names)}, got '{o.Preset}'");
        o.Validate();
        return o;
    }

    private static HeadKind ParseHead(string s)
    {
        try { return HeadKindNames.Parse(s); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    private static double ParseDouble(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--scale-jitter: '{s}' is not a number");

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var o = Parse(args);
        try
        {
            await new Trainer(o).RunAsync(cancellationToken);
            return 0;
        }
        catch (NonFiniteLossException e)
        {
            Console.Error.WriteLine($"tood-train train: {e.Message}");
            return ExitNonFinite;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or Pretrained.WeightsException)
        {
            Console.Error.WriteLine($"tood-train train: {e.Message}");
            return 1;
        }
    }
}
