using System.Globalization;
using Tood.Train.Common;
using Tood.Train.Export.Emitters;
using Tood.Train.Export.Onnx;
using Tood.Train.Model;
using Tood.Train.Pretrained.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained;

/// <summary>
/// The state dict from the graph's initializers, module by module of a fresh <see cref="ToodDetector"/>, each
/// exporter transform (Tood.Train/Export) inverted:
/// <list type="bullet">
/// <item>Conv + eval BatchNorm folded into one Conv (<c>{conv}+bn.weight/.bias</c>, ConvEmitter.FoldBatchNorm):
/// the folded weight goes into the conv, and the BN becomes an exact identity plus the folded bias
/// (γ = 1, β = b', mean = 0, var = 1 − ε, so (x − 0)/√(var + ε) = x; a conv bias, if any, is 0). γ, β and the
/// statistics themselves are not recoverable: train-mode BN renormalises, so fine-tuning with BN in train mode
/// starts from a different function; norm-eval presets (r18, r18mlnet, r50) keep it.</item>
/// <item>GroupNorm γ/β stored as (C,1,1) for the broadcast Mul/Add (GroupNormEmitter): reshaped back to (C).</item>
/// <item>Layer attention fc1/fc2 renamed <c>la_conv1/2</c> (LayerAttentionEmitter): renamed back.</item>
/// <item>reg_offset_module.2 with its output channels swapped pairwise to (dx, dy) (<c>.xy</c>,
/// BoxEmitter.OffsetConvToXy): the same pairwise swap undoes it.</item>
/// <item>scales.{l}.scale baked into DecodeDistances' float32 constant (−s, −s, s, s): s read back.</item>
/// <item>float16 initializers (fp16 exports) widened to float32 (OnnxTensors.Floats).</item>
/// </list>
/// BN num_batches_tracked, which no exported graph needs, is 0.
/// </summary>
public static partial class OnnxDetectorWeights
{
    private static Dictionary<string, Tensor> RecoverState(GraphProto graph, ModelConfig config, string file)
    {
        var inits = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var t in graph.Initializer) inits.TryAdd(t.Name, t);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var fresh = FreshModel(config);
        var expected = fresh.state_dict();
        var modules = fresh.named_modules().ToList();
        var bnAfter = modules.Where(m => m.module is BatchNorm2d).ToDictionary(m => ConvBefore(m.name), m => m.name, StringComparer.Ordinal);
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);

        Tensor Init(string name, string key, params long[] dims)
        {
            if (!inits.TryGetValue(name, out var t)) throw NotTood(file, $"no initializer '{name}' for {key}");
            if (!t.Dims.SequenceEqual(dims))
                throw new InvalidDataException($"{file}: initializer '{name}' is {Shapes.FormatDims(t.Dims)}, but {key} of preset '{config.Preset}' needs {Shapes.FormatDims(dims)}; only models of a preset can be read back");
            return tensor(OnnxTensors.Floats(t, file), dims);
        }

        foreach (var (path, module) in modules)
        {
            switch (module)
            {
                case Conv2d conv when bnAfter.ContainsKey(path):
                    state[path + ".weight"] = Init(path + "+bn.weight", path + ".weight", conv.weight!.shape);
                    if (conv.bias is { } cb) state[path + ".bias"] = zeros_like(cb);   // the fold moved it into β
                    break;
                case BatchNorm2d bn:
                    IdentityBatchNorm(state, path, bn, Init(ConvBefore(path) + "+bn.bias", path + ".bias", bn.weight!.shape[0]));
                    break;
                case Conv2d conv:
                {
                    var (source, swapped) = ConvSource(path);
                    var w = Init(source + ".weight", path + ".weight", conv.weight!.shape);
                    var b = conv.bias is { } bias ? Init(source + ".bias", path + ".bias", bias.shape) : null;
                    // OffsetConvToXy swaps channels 2k and 2k+1: its own inverse.
                    if (swapped) (w, b) = BoxEmitter.OffsetConvToXy(w, b ?? throw new InvalidOperationException($"internal: {path} has no bias"));
                    state[path + ".weight"] = w;
                    if (b is not null) state[path + ".bias"] = b;
                    break;
                }
                case GroupNorm gn:
                {
                    long c = gn.weight!.shape[0];
                    state[path + ".weight"] = Init(path + ".weight", path + ".weight", c, 1, 1).reshape(c);
                    state[path + ".bias"] = Init(path + ".bias", path + ".bias", c, 1, 1).reshape(c);
                    break;
                }
                case Scale:
                    state[path + ".scale"] = tensor(LevelScale(inits, path, file));
                    break;
            }
        }

        CheckCovers(expected, state);
        foreach (var t in state.Values) t.DetachFromDisposeScope();
        return state;
    }

    /// <summary>The recovered state has exactly the fresh model's keys and shapes (else the walk above missed a module kind).</summary>
    private static void CheckCovers(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> state)
    {
        var missing = expected.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var extra = state.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var reshaped = state.Keys.Where(k => expected.TryGetValue(k, out var e) && !e.shape.SequenceEqual(state[k].shape)).ToList();
        if (missing.Count + extra.Count + reshaped.Count > 0)
            throw new InvalidOperationException($"internal: the ONNX reader does not cover ToodDetector's state dict (missing {string.Join(", ", missing.Take(3))}; extra {string.Join(", ", extra.Take(3))}; shape {string.Join(", ", reshaped.Take(3))})");
    }

    /// <summary>A BatchNorm that passes x through and adds the folded bias β (γ = 1, mean 0, var 1 − ε).</summary>
    private static void IdentityBatchNorm(Dictionary<string, Tensor> state, string path, BatchNorm2d bn, Tensor foldedBias)
    {
        long c = bn.weight!.shape[0];
        state[path + ".weight"] = ones(c, float32);
        state[path + ".bias"] = foldedBias;
        state[path + ".running_mean"] = zeros(c, float32);
        // float32(1 − ε) + ε rounds to exactly 1, so the BN divides by √1 = 1.
        state[path + ".running_var"] = full(c, 1.0 - bn.eps, float32);
        state[path + ".num_batches_tracked"] = zeros_like(bn.num_batches_tracked!);
    }

    /// <summary>A model whose modules, hyper-parameters (BN ε) and state-dict layout drive the walk. Its random init
    /// must not advance the global generator, or reading an --init file would change a seeded run.</summary>
    private static ToodDetector FreshModel(ModelConfig config)
    {
        using var rng = torch.get_rng_state();
        try { return new ToodDetector(config); }
        finally { torch.set_rng_state(rng); }
    }

    /// <summary>The conv a backbone BatchNorm follows, paired as ToodGraphEmitter's ConvBn calls pair them:
    /// <c>bnK</c> ↔ <c>convK</c>, <c>downsample.1</c> ↔ <c>downsample.0</c>.</summary>
    private static string ConvBefore(string bnPath)
    {
        int dot = bnPath.LastIndexOf('.');
        string parent = bnPath[..(dot + 1)], leaf = bnPath[(dot + 1)..];
        if (leaf == "1" && parent.EndsWith(".downsample.", StringComparison.Ordinal)) return parent + "0";
        if (leaf.StartsWith("bn", StringComparison.Ordinal)) return parent + "conv" + leaf[2..];
        throw new InvalidOperationException($"internal: no conv known before BatchNorm '{bnPath}'");
    }

    /// <summary>The initializer prefix of a plain conv, and whether its output channels are in the exporter's (dx, dy) order.</summary>
    private static (string Name, bool Swapped) ConvSource(string path)
    {
        const string fc1 = ".layer_attention.0", fc2 = ".layer_attention.2";
        if (path.EndsWith(fc1, StringComparison.Ordinal)) return (path[..^fc1.Length] + ".la_conv1", false);
        if (path.EndsWith(fc2, StringComparison.Ordinal)) return (path[..^fc2.Length] + ".la_conv2", false);
        if (path.EndsWith(".reg_offset_module.2", StringComparison.Ordinal)) return (path + ".xy", true);
        return (path, false);
    }

    /// <summary>s of <c>{head}.scales.{l}</c> from the level's DecodeDistances constant <c>{head}.p{l+3}.box.signed_scale</c>
    /// = (−s, −s, s, s), float32 in every precision (so s is exact).</summary>
    private static float LevelScale(Dictionary<string, TensorProto> inits, string path, string file)
    {
        int at = path.LastIndexOf(".scales.", StringComparison.Ordinal);
        int level = int.Parse(path[(at + ".scales.".Length)..], CultureInfo.InvariantCulture);
        var name = string.Create(CultureInfo.InvariantCulture, $"{path[..at]}.p{level + 3}.box.signed_scale");
        if (!inits.TryGetValue(name, out var t)) throw NotTood(file, $"no initializer '{name}' for {path}.scale");
        var v = OnnxTensors.Floats(t, file);
        if (v.Length != 4 || v[0] != -v[2] || v[1] != -v[2] || v[3] != v[2])
            throw NotTood(file, $"initializer '{name}' is ({string.Join(", ", v.Select(x => x.ToString(CultureInfo.InvariantCulture)))}), not (−s, −s, s, s)");
        return v[2];
    }
}
