using System.Globalization;
using Tood.Realtime.Inference;
using Tood.Train.Model;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained.Onnx;

/// <summary>
/// ImageNet ResNet-18 from the NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> (MIT; a CNTK 2.6
/// export, opset 8, without the classifier) as a torchvision-named state dict for the <c>r18mlnet</c> preset
/// (layer4 has three BasicBlocks in that file). Weights are mapped by graph topology
/// (<see cref="OnnxResNetGraph"/>); every conv's kernel/stride/pads and every BN's ε are checked, and
/// <see cref="BackboneWeights"/> checks every shape.
/// <para>Input convention, folded into the stem so the detector keeps its in-graph ImageNet normalisation
/// (x = (RGB − mean)/std, <see cref="ModelContract.DefaultMean"/>): the file expects x' = BGR − MeanImage with
/// RGB in 0–255. With the mean image replaced by its per-channel average m (a detector sees any image size),
/// x'[c'] = std[2−c']·x[2−c'] + (mean[2−c'] − m[c']), so conv1.weight[:,c] = W[:,2−c]·std[c] and the constant
/// Σ W·(mean − m) is subtracted from bn1.running_mean: exact everywhere except (a) where the 224×224 mean image
/// differs from m (σ ≈ 3–6 grey levels) and (b) on the stem's zero-padded border taps, where the file sees
/// x' = 0 but the folded conv sees x = 0 ⇔ x' = mean − m (≈ 0.4 grey levels). BENCHMARKS.md measures both.</para>
/// <para>The file's asymmetric pads (stem [3,3,2,2], max-pool and stride-2 3×3 convs [1,1,0,0]) equal symmetric
/// padding when the layer's input size is even (the dropped bottom/right pad row is never sampled), which holds
/// at every stride-2 layer for inputs that are multiples of 32 (the trainer and exporter require that).</para>
/// </summary>
internal static class MlnetResNetImport
{
    /// <summary>Reads <paramref name="modelPath"/> and the preprocessing file beside it
    /// (<c>../ResNetPrepOnnx/ResNetPreprocess.onnx</c>); checks the layout against <paramref name="config"/>.</summary>
    public static Dictionary<string, Tensor> StateDict(string modelPath, ModelConfig config)
    {
        var prepPath = PreprocessPathFor(modelPath);
        if (!File.Exists(prepPath))
            throw new WeightsException($"{Path.GetFileName(modelPath)}: its input convention file '{prepPath}' is missing (the package ships ResNetPrepOnnx/ResNetPreprocess.onnx beside ResNet18Onnx/)");
        return StateDict(modelPath, config, CntkPreprocess.Read(prepPath).ChannelMeanBgr());
    }

    /// <summary>As above with the per-channel BGR mean <paramref name="meanBgr"/> folded in (tests use the
    /// ImageNet mean here, which makes the border term vanish and the fold exact).</summary>
    internal static Dictionary<string, Tensor> StateDict(string modelPath, ModelConfig config, double[] meanBgr)
    {
        var g = OnnxResNetGraph.Read(modelPath);
        CheckLayout(g, config, Path.GetFileName(modelPath));
        var sd = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        AddConvBn(sd, "conv1", "bn1", g.StemConv, g.StemBn);
        for (int s = 0; s < g.Stages.Count; s++)
            for (int b = 0; b < g.Stages[s].Count; b++)
            {
                var blk = g.Stages[s][b];
                var p = string.Create(CultureInfo.InvariantCulture, $"layer{s + 1}.{b}.");
                AddConvBn(sd, p + "conv1", p + "bn1", blk.Conv1, blk.Bn1);
                AddConvBn(sd, p + "conv2", p + "bn2", blk.Conv2, blk.Bn2);
                if (blk.DownConv is { } dc) AddConvBn(sd, p + "downsample.0", p + "downsample.1", dc, blk.DownBn!);
            }
        FoldInputConvention(sd, meanBgr);
        return sd;
    }

    public static string PreprocessPathFor(string modelPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(modelPath)))!, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    /// <summary>
    /// conv1.weight[:,c] = W[:,2−c]·std[c] (BGR → RGB, ×std); bn1.running_mean −= Σ_{c',ky,kx} W[o,c',ky,kx]·(mean[2−c'] − m[c']).
    /// Computed in float64.
    /// </summary>
    internal static void FoldInputConvention(Dictionary<string, Tensor> sd, double[] meanImageBgr)
    {
        var mean = ModelContract.DefaultMean;
        var std = ModelContract.DefaultStd;
        using var scope = NewDisposeScope();
        var w = sd["conv1.weight"].to(ScalarType.Float64);                      // [O,3,k,k], BGR input channels
        var rgbFirst = w.flip(1);                                               // [:,c] = W[:,2−c]
        var stdT = tensor(std.Select(v => (double)v).ToArray(), ScalarType.Float64).view(1, 3, 1, 1);
        var folded = (rgbFirst * stdT).to(ScalarType.Float32);
        var offsetBgr = tensor(Enumerable.Range(0, 3).Select(c => mean[2 - c] - meanImageBgr[c]).ToArray(), ScalarType.Float64);
        var k = (w.sum([2, 3]) * offsetBgr.view(1, 3)).sum(1);                 // [O]
        var runningMean = (sd["bn1.running_mean"].to(ScalarType.Float64) - k).to(ScalarType.Float32);
        sd["conv1.weight"].Dispose();
        sd["bn1.running_mean"].Dispose();
        sd["conv1.weight"] = folded.DetachFromDisposeScope();
        sd["bn1.running_mean"] = runningMean.DetachFromDisposeScope();
    }

    private static void AddConvBn(Dictionary<string, Tensor> sd, string conv, string bn, OnnxConv c, OnnxBatchNorm n)
    {
        sd[conv + ".weight"] = tensor(c.Weight, c.Dims);
        long ch = n.Scale.Length;
        sd[bn + ".weight"] = tensor(n.Scale, [ch]);
        sd[bn + ".bias"] = tensor(n.Bias, [ch]);
        // A conv bias b folds into the BN exactly: BN(y + b) has running_mean − b.
        var mean = c.Bias is null ? n.Mean : [.. n.Mean.Zip(c.Bias, (m, b) => m - b)];
        sd[bn + ".running_mean"] = tensor(mean, [ch]);
        sd[bn + ".running_var"] = tensor(n.Var, [ch]);
    }

    private static void CheckLayout(OnnxResNetGraph g, ModelConfig cfg, string file)
    {
        var counts = g.Stages.Select(s => s.Count).ToArray();
        var widths = g.Stages.Select(s => s[0].Conv2.OutChannels).ToArray();
        var want = Enumerable.Range(0, 4).Select(s => (long)cfg.BaseWidth << s).ToArray();
        if (cfg.Block != BlockKind.Basic || !counts.SequenceEqual(cfg.Layers) || !widths.SequenceEqual(want) || g.StemConv.OutChannels != cfg.StemWidth)
            throw new WeightsException($"{file} is a ResNet of BasicBlocks {string.Join(",", counts)} (widths {string.Join("/", widths)}, stem {g.StemConv.OutChannels}); preset '{cfg.Preset}' has {cfg.Block} blocks {string.Join(",", cfg.Layers)} (widths {string.Join("/", want)}, stem {cfg.StemWidth}) — use --preset r18mlnet");
        void Conv(OnnxConv c, string key, long kernel, long stride)
        {
            long p = kernel / 2;
            // Begin pads must be the symmetric pad; at stride 2 an end pad one smaller is the same
            // computation for even input sizes (that last pad row/column is never sampled).
            bool padsOk = c.Pads.Length == 4 && c.Pads[0] == p && c.Pads[1] == p
                && c.Pads[2..].All(e => e == p || (stride == 2 && e == p - 1));
            if (c.Kernel != kernel || c.Dims[3] != kernel || !c.Strides.All(v => v == stride) || !padsOk || c.Group != 1 || !c.Dilations.All(d => d == 1))
                throw new WeightsException(string.Create(CultureInfo.InvariantCulture,
                    $"{file}: Conv '{c.Node}' ({key}) has kernel {c.Dims[2]}x{c.Dims[3]}, strides [{string.Join(",", c.Strides)}], pads [{string.Join(",", c.Pads)}], group {c.Group}, dilations [{string.Join(",", c.Dilations)}]; expected kernel {kernel}, stride {stride}, pads {p} (end {p} or {p - 1} at stride 2), group 1, dilation 1"));
        }
        void Bn(OnnxBatchNorm n, string key)
        {
            if (Math.Abs(n.Epsilon - 1e-5) > 1e-9)
                throw new WeightsException(string.Create(CultureInfo.InvariantCulture, $"{file}: BatchNormalization '{n.Node}' ({key}) has epsilon {n.Epsilon}; the backbone's BatchNorm2d uses 1e-5"));
        }
        Conv(g.StemConv, "conv1", 7, 2);
        Bn(g.StemBn, "bn1");
        bool poolOk = g.PoolKernel.SequenceEqual([3L, 3L]) && g.PoolStrides.SequenceEqual([2L, 2L]) && g.PoolPads.Length == 4
            && g.PoolPads[0] == 1 && g.PoolPads[1] == 1 && g.PoolPads[2..].All(e => e is 0 or 1);
        if (!poolOk)
            throw new WeightsException($"{file}: MaxPool has kernel [{string.Join(",", g.PoolKernel)}], strides [{string.Join(",", g.PoolStrides)}], pads [{string.Join(",", g.PoolPads)}]; expected 3x3, stride 2, pads 1 (end 1 or 0)");
        for (int s = 0; s < g.Stages.Count; s++)
            for (int b = 0; b < g.Stages[s].Count; b++)
            {
                var blk = g.Stages[s][b];
                var p = string.Create(CultureInfo.InvariantCulture, $"layer{s + 1}.{b}.");
                long stride = s > 0 && b == 0 ? 2 : 1;
                Conv(blk.Conv1, p + "conv1", 3, stride);
                Conv(blk.Conv2, p + "conv2", 3, 1);
                Bn(blk.Bn1, p + "bn1");
                Bn(blk.Bn2, p + "bn2");
                if (blk.DownConv is { } dc) { Conv(dc, p + "downsample.0", 1, stride); Bn(blk.DownBn!, p + "downsample.1"); }
            }
    }
}
