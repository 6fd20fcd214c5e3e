using System.Globalization;
using Tood.Train.Model;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained;

/// <summary>
/// <c>tood-train train --init MODEL</c>: fine-tuning starts from a trained Tood detector — a checkpoint or an ONNX
/// file that Tood exported (its initializers are the weights, <see cref="OnnxDetectorWeights"/>) — rather than from
/// an ImageNet backbone alone. The architecture is the source's; backbone, FPN and head are copied; the class-specific
/// output convs (<c>tood_cls</c> / <c>atss_cls</c>, and M's last conv) keep their fresh initialisation (prior bias)
/// when the classes differ, because they score the source's classes.
/// </summary>
public static class DetectorInit
{
    // The classifier, and the last conv of the T-Head's alignment branch M: the score is √(σ(cls)·σ(M)), and an M
    // trained on other classes scores the new ones near 0 everywhere (from the person model, car AP stayed 0.0000
    // for 200 steps with M kept; BENCHMARKS §15). Both restart from the prior; the rest of M and the head are kept.
    private static readonly string[] ClassSpecific = ["bbox_head.tood_cls.", "bbox_head.atss_cls.", "bbox_head.cls_prob_module.2."];

    /// <summary>Whether a state-dict key belongs to the per-class output layer.</summary>
    public static bool IsClassSpecific(string key) => ClassSpecific.Any(p => key.StartsWith(p, StringComparison.Ordinal));

    /// <summary>Reads a <c>.ckpt</c> (Tood checkpoint) or <c>.onnx</c> (Tood export) into weights on the CPU.</summary>
    /// <exception cref="FileNotFoundException">no such file.</exception>
    /// <exception cref="InvalidDataException">neither a Tood checkpoint nor a Tood ONNX model.</exception>
    public static DetectorWeights Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: --init model not found", path);
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return OnnxDetectorWeights.Read(path);
        try
        {
            using var loaded = Checkpoint.Load(path);
            var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (key, t) in loaded.Model.state_dict())
                state[key] = t.detach().clone().DetachFromDisposeScope();
            var m = loaded.Meta;
            return new DetectorWeights(m.Model, [.. m.ClassNames], [.. m.CategoryIds], [.. m.Mean], [.. m.Std], state);
        }
        catch (CheckpointException e)
        {
            throw new InvalidDataException($"{path}: not a Tood checkpoint or ONNX model ({e.Message})", e);
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="model"/> (built from <c>source.Config</c> with the
    /// training data's class count). Returns the one-line summary for the log.
    /// </summary>
    /// <exception cref="InvalidDataException">the weights do not fit the model (a key or shape differs).</exception>
    public static string Apply(ToodDetector model, DetectorWeights source, IReadOnlyList<string> classNames, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        bool sameClasses = source.ClassNames.SequenceEqual(classNames, StringComparer.Ordinal);
        var target = model.state_dict();
        var usable = source.State.Where(kv => sameClasses || !IsClassSpecific(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var match = StateDictLoader.Check(target, usable,
            tolerateMissing: k => StateDictLoader.IsBatchCounter(k) || (!sameClasses && IsClassSpecific(k)));
        if (match.Problems.Count > 0)
            throw new InvalidDataException($"{sourceName}: --init weights do not fit a {source.Config.Preset} model: {string.Join("; ", match.Problems.Take(3))}");
        StateDictLoader.Copy(target, usable, match);
        var classifier = sameClasses ? "same classes, classifier kept" : $"classes [{string.Join(",", classNames)}] differ, classifier re-initialised";
        return string.Create(CultureInfo.InvariantCulture,
            $"init {sourceName}: {source.Config.Preset} detector of [{string.Join(",", source.ClassNames)}], {match.Matched.Count} tensors copied; {classifier}");
    }
}
