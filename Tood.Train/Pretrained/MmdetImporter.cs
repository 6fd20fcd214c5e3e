using System.Globalization;
using Tood.Realtime.Inference;
using Tood.Train.Data;
using Tood.Train.Model;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained;

/// <summary>Options of <see cref="MmdetImporter.Import"/>.</summary>
/// <param name="Preset">Tood preset the checkpoint was trained as (r50 = mmdet tood_r50_fpn_*; anchor-free only).</param>
/// <param name="NumClasses">Class count; null = from bbox_head.tood_cls.weight (80 for COCO).</param>
/// <param name="InputWidth">Deployment input width stored in the metadata (export/tood-live letterbox size).</param>
/// <param name="InputHeight">Deployment input height (mmdet test scale 1333×800 padded to /32 → 1344×800).</param>
public sealed record MmdetImportOptions(string Preset = "r50", int? NumClasses = null, int InputWidth = 1344, int InputHeight = 800);

/// <summary>The imported model (eval mode) with checkpoint metadata. Dispose to free the model.</summary>
/// <param name="Warnings">Lines for the user about what could not be verified (e.g. no config text to confirm the variant).</param>
public sealed record MmdetImportResult(ToodDetector Model, CheckpointMeta Meta, StateDictMatch Match, string Layout, IReadOnlyList<string> Warnings) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// Maps an MMDetection / fcjian TOOD checkpoint onto <see cref="ToodDetector"/> (issue "Pretrained weights").
/// The mapping is the identity on key names: Tood's modules are named after mmdet's (see <see cref="MmdetKeys"/>
/// for the exact key list assumed). The file is validated against that list first — missing, unexpected
/// and wrong-shape keys give one <see cref="WeightsException"/> listing the first offenders — and only a
/// complete match is copied. BN num_batches_tracked may be absent. Class names come from the checkpoint's
/// meta (mmdet 2.x CLASSES / 3.x dataset_meta.classes), else the 80 COCO names when K = 80; category ids are
/// COCO's (1..90 with gaps) when the names are COCO's, else 1..K.
/// </summary>
public static class MmdetImporter
{
    public const string ClsWeightKey = "bbox_head.tood_cls.weight";

    public static MmdetImportResult Import(string checkpointPath, MmdetImportOptions options)
    {
        using var file = WeightFile.Read(checkpointPath);
        var variant = ToodVariant.Detect(file);
        int numClasses = options.NumClasses
            ?? (file.Tensors.TryGetValue(ClsWeightKey, out var cls) && cls.dim() == 4 ? (int)cls.shape[0] : 80);
        var cfg = ModelPresets.Get(options.Preset, numClasses, HeadKind.TaskAligned);

        var expected = MmdetKeys.Expected(cfg).ToDictionary(e => e.Key, e => e.Shape, StringComparer.Ordinal);
        var problems = Problems(expected, file.Tensors);
        if (problems.Count > 0)
            throw new WeightsException(KeyProblem.Summarise(problems, checkpointPath) + Hint(file.Tensors, cfg)) { Problems = problems };

        var model = new ToodDetector(cfg);
        try
        {
            var target = model.state_dict();
            var match = StateDictLoader.Check(target, file.Tensors, tolerateMissing: StateDictLoader.IsBatchCounter);
            if (match.Problems.Count > 0) // MmdetKeys and the model disagree: a bug here, not in the file
                throw new WeightsException("internal: Tood model keys differ from the MMDetection layout: " + KeyProblem.Summarise(match.Problems, checkpointPath));
            StateDictLoader.Copy(target, file.Tensors, match);
            model.eval();
            var meta = Meta(cfg, file, options, variant);
            return new MmdetImportResult(model, meta, match, file.Layout, variant.Warning is { } w ? [w] : []);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static List<KeyProblem> Problems(Dictionary<string, long[]> expected, IReadOnlyDictionary<string, Tensor> got)
    {
        var problems = new List<KeyProblem>();
        foreach (var (key, shape) in expected)
        {
            if (!got.TryGetValue(key, out var t))
            {
                if (!StateDictLoader.IsBatchCounter(key)) problems.Add(new KeyProblem(KeyProblemKind.Missing, key, shape, null));
            }
            else if (!t.shape.SequenceEqual(shape))
                problems.Add(new KeyProblem(KeyProblemKind.Shape, key, shape, t.shape));
            else if (!t.is_floating_point() && !StateDictLoader.IsBatchCounter(key))
                problems.Add(new KeyProblem(KeyProblemKind.Dtype, key, shape, t.shape, $"expected a floating-point tensor got {t.dtype}"));
        }
        foreach (var (key, t) in got.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (!expected.ContainsKey(key)) problems.Add(new KeyProblem(KeyProblemKind.Unexpected, key, null, t.shape));
        return problems;
    }

    // A short pointer when the file is a known other thing: another preset, or a bare torchvision backbone.
    private static string Hint(IReadOnlyDictionary<string, Tensor> got, ModelConfig wanted)
    {
        if (got.ContainsKey("conv1.weight") && got.ContainsKey("fc.weight"))
            return " (this is a torchvision classifier state dict: pass it to train --backbone-weights instead)";
        if (got.Keys.Any(k => k.StartsWith("bbox_head.atss_", StringComparison.Ordinal)))
            return " (this is an ATSS checkpoint, not TOOD)";
        foreach (var preset in ModelPresets.Names)
        {
            if (preset == wanted.Preset) continue;
            var cfg = ModelPresets.Get(preset, wanted.NumClasses, HeadKind.TaskAligned);
            var exp = MmdetKeys.Expected(cfg).ToDictionary(e => e.Key, e => e.Shape, StringComparer.Ordinal);
            if (Problems(exp, got).Count == 0) return $" (the checkpoint matches --preset {preset})";
        }
        return "";
    }

    private static CheckpointMeta Meta(ModelConfig cfg, WeightFile file, MmdetImportOptions options, ToodVariant variant)
    {
        int k = cfg.NumClasses;
        IReadOnlyList<string> names = file.ClassNames is { } n && n.Count == k ? n
            : k == CocoClasses.Names.Count ? CocoClasses.Names
            : [.. Enumerable.Range(0, k).Select(i => "class" + i.ToString(CultureInfo.InvariantCulture))];
        IReadOnlyList<int> ids = names.SequenceEqual(CocoClasses.Names) ? CocoClasses.CategoryIds : [.. Enumerable.Range(1, k)];
        var source = Path.GetFileName(file.Path);
        return new CheckpointMeta
        {
            Model = cfg,
            ClassNames = names,
            CategoryIds = ids,
            InputWidth = options.InputWidth,
            InputHeight = options.InputHeight,
            Mean = ModelContract.DefaultMean, // mmdet img_norm_cfg of the TOOD configs (to_rgb=True)
            Std = ModelContract.DefaultStd,
            TrainingData = $"imported from MMDetection checkpoint {source}",
            Extra = new Dictionary<string, string>
            {
                ["imported_from"] = source,
                ["source_layout"] = file.Layout,
                ["source_format"] = file.Format.ToString(),
                ["anchor_type"] = variant.Evidence,
                // MMDetection's test pipeline (spec §6): keep-ratio 1333×800, pad to 32; `tood-train eval` default.
                [ImageSizeSpec.EvalMetaKey] = ImageSizeSpec.Mmdet1333x800.ToString(),
                ["class_names_from"] = file.ClassNames is { } c && c.Count == k ? "checkpoint meta" : k == 80 ? "COCO default" : "generated",
            },
        };
    }
}
