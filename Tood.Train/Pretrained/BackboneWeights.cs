using System.Globalization;
using Tood.Train.Model;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained;

/// <summary>What <see cref="BackboneWeights.Load(ResNet, string)"/> did.</summary>
/// <param name="Source">The weight file.</param>
/// <param name="Matched">Backbone parameters and buffers copied from the file.</param>
/// <param name="Missing">Backbone keys absent from the file and tolerated (BN num_batches_tracked of older files).</param>
/// <param name="Unexpected">File keys ignored because a detector backbone has no use for them (the classifier fc.*).</param>
/// <param name="StrippedPrefix">Prefix removed from every file key ("module.", "backbone.") or "".</param>
public sealed record BackboneLoadReport(string Source, IReadOnlyList<string> Matched, IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected, string StrippedPrefix)
{
    /// <summary>One line for the training log.</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"backbone weights {Path.GetFileName(Source)}: {Matched.Count} matched, {Missing.Count} missing (tolerated: BN num_batches_tracked), {Unexpected.Count} unexpected (ignored: {string.Join(", ", Unexpected.Take(4))})");
}

/// <summary>
/// ImageNet backbone initialisation (spec §1.1, P7): loads a torchvision ResNet-18/50 state dict
/// (<c>resnet50-0676ba61.pth</c>, <c>resnet18-f37072fd.pth</c>, a timm/HF <c>.safetensors</c> with the same
/// names, or a state dict saved under <c>module.</c>/<c>backbone.</c>) into <see cref="ResNet"/>, whose
/// submodule names are torchvision's. The classifier head (<c>fc.weight</c>, <c>fc.bias</c>) is ignored;
/// any other extra or missing key, or a shape mismatch (e.g. ResNet-18 weights for the r50 preset),
/// is an error and nothing is loaded.
/// Freezing (stem + layer1) and BN eval are the model's policy (<see cref="ModelConfig.FrozenStages"/>,
/// <see cref="ModelConfig.NormEval"/>), on for r18/r50; loading does not change requires_grad.
/// </summary>
public static class BackboneWeights
{
    private static readonly string[] KnownPrefixes = ["module.", "backbone."];

    /// <summary>Loads <paramref name="path"/> (.pth zip, .safetensors, an ML.NET ResNet .onnx, or a packaged short name) into the detector's backbone.</summary>
    public static BackboneLoadReport Load(ToodDetector model, string path) => Load(model.Backbone, path);

    /// <summary>Loads a file, or a packaged one by short name (<see cref="PackagedBackbones"/>): a .pth/.safetensors
    /// torchvision state dict, or an ML.NET/CNTK ResNet .onnx (<see cref="Onnx.MlnetResNetImport"/>).</summary>
    public static BackboneLoadReport Load(ResNet backbone, string path)
    {
        path = PackagedBackbones.Resolve(path);
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            var sd = Onnx.MlnetResNetImport.StateDict(path, backbone.Config);
            try { return Load(backbone, sd, path); }
            finally { foreach (var t in sd.Values) t.Dispose(); }
        }
        using var file = WeightFile.Read(path);
        return Load(backbone, file.Tensors, path);
    }

    /// <summary>Loads an in-memory state dict; <paramref name="sourceName"/> names it in messages.</summary>
    /// <exception cref="WeightsException">key problems (one line, first offending keys with shapes).</exception>
    public static BackboneLoadReport Load(ResNet backbone, IReadOnlyDictionary<string, Tensor> stateDict, string sourceName)
    {
        var (prefix, source) = StripCommonPrefix(stateDict);
        var target = backbone.state_dict();
        var match = StateDictLoader.Check(target, source,
            ignoreUnexpected: k => k.StartsWith("fc.", StringComparison.Ordinal),
            tolerateMissing: StateDictLoader.IsBatchCounter);
        if (match.Problems.Count > 0)
            throw new WeightsException("backbone weights: " + KeyProblem.Summarise(match.Problems, sourceName)) { Problems = match.Problems };
        StateDictLoader.Copy(target, source, match);
        return new BackboneLoadReport(sourceName, match.Matched, match.MissingTolerated, match.UnexpectedIgnored, prefix);
    }

    private static (string Prefix, IReadOnlyDictionary<string, Tensor> Source) StripCommonPrefix(IReadOnlyDictionary<string, Tensor> sd)
    {
        foreach (var p in KnownPrefixes)
            if (sd.Count > 0 && sd.Keys.All(k => k.StartsWith(p, StringComparison.Ordinal)))
                return (p, sd.ToDictionary(kv => kv.Key[p.Length..], kv => kv.Value, StringComparer.Ordinal));
        return ("", sd);
    }
}
