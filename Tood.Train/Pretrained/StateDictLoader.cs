using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained;

/// <summary>Result of checking a source state dict against a module's state dict (before anything is copied).</summary>
public sealed record StateDictMatch(
    IReadOnlyList<string> Matched,
    IReadOnlyList<string> MissingTolerated,
    IReadOnlyList<string> UnexpectedIgnored,
    IReadOnlyList<KeyProblem> Problems);

/// <summary>
/// All-or-nothing state-dict loading: <see cref="Check"/> compares keys, shapes and dtype kinds first;
/// only when there is no problem does <see cref="Copy"/> write into the module's own tensors (under
/// no_grad, keeping requires_grad flags, device and dtype of the target).
/// </summary>
public static class StateDictLoader
{
    /// <summary>
    /// BN <c>num_batches_tracked</c> is absent from older torchvision files; it only matters for BN with
    /// momentum=None, which no preset uses, so a missing one keeps the model's value.
    /// </summary>
    public static bool IsBatchCounter(string key) => key.EndsWith(".num_batches_tracked", StringComparison.Ordinal) || key == "num_batches_tracked";

    /// <param name="target">The module's state dict (its keys and tensors).</param>
    /// <param name="source">Tensors from the file, keys already mapped to the module's names.</param>
    /// <param name="ignoreUnexpected">Source keys to drop silently (reported in UnexpectedIgnored).</param>
    /// <param name="tolerateMissing">Target keys that may be absent (reported in MissingTolerated).</param>
    public static StateDictMatch Check(IReadOnlyDictionary<string, Tensor> target, IReadOnlyDictionary<string, Tensor> source,
        Func<string, bool>? ignoreUnexpected = null, Func<string, bool>? tolerateMissing = null)
    {
        var matched = new List<string>();
        var missingOk = new List<string>();
        var ignored = new List<string>();
        var problems = new List<KeyProblem>();
        foreach (var (key, t) in target)
        {
            if (!source.TryGetValue(key, out var s))
            {
                if (tolerateMissing?.Invoke(key) == true) missingOk.Add(key);
                else problems.Add(new KeyProblem(KeyProblemKind.Missing, key, t.shape, null));
                continue;
            }
            if (!s.shape.SequenceEqual(t.shape))
                problems.Add(new KeyProblem(KeyProblemKind.Shape, key, t.shape, s.shape));
            else if (s.is_floating_point() != t.is_floating_point())
                problems.Add(new KeyProblem(KeyProblemKind.Dtype, key, t.shape, s.shape, $"expected {t.dtype} got {s.dtype}"));
            else
                matched.Add(key);
        }
        foreach (var (key, s) in source.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (target.ContainsKey(key)) continue;
            if (ignoreUnexpected?.Invoke(key) == true) ignored.Add(key);
            else problems.Add(new KeyProblem(KeyProblemKind.Unexpected, key, null, s.shape));
        }
        return new StateDictMatch(matched, missingOk, ignored, problems);
    }

    /// <summary>Copies the matched keys into the target tensors (converting dtype/device as needed).</summary>
    public static void Copy(IReadOnlyDictionary<string, Tensor> target, IReadOnlyDictionary<string, Tensor> source, StateDictMatch match)
    {
        if (match.Problems.Count > 0) throw new InvalidOperationException("refusing to copy a state dict with key problems");
        using var noGrad = torch.no_grad();
        foreach (var key in match.Matched)
        {
            using var scope = torch.NewDisposeScope();
            var dst = target[key];
            dst.copy_(source[key].to(dst.dtype, dst.device));
        }
    }
}
