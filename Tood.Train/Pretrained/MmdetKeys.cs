using Tood.Train.Model;

namespace Tood.Train.Pretrained;

/// <summary>
/// The state-dict keys and shapes an MMDetection TOOD checkpoint (<c>TOOD</c> detector, anchor-free
/// <c>TOODHead</c>, mmdet 2.x tood_head.py / 3.x port; fcjian/TOOD uses the same names) has for a
/// <see cref="ModelConfig"/>, written down from mmdet's module definitions — independently of how
/// <see cref="ToodDetector"/> registers its modules, so a test can prove the two agree key-by-key.
/// <list type="bullet">
/// <item><c>backbone.*</c>: mmdet ResNet (style pytorch) = torchvision names: conv1, bn1, layer{1-4}.{b}.conv{1-3} /
/// bn{1-3} / downsample.0 (1×1 conv) / downsample.1 (BN); every BN has weight, bias, running_mean,
/// running_var, num_batches_tracked.</item>
/// <item><c>neck.*</c>: FPN start_level=1, add_extra_convs='on_output': lateral_convs.{0-2}.conv (1×1, bias) on
/// C3..C5, fpn_convs.{0-4}.conv (3×3, bias; 3 and 4 are the stride-2 P6/P7 convs).</item>
/// <item><c>bbox_head.*</c>: inter_convs.{k}.conv (no bias) + .gn (GN affine); {cls,reg}_decomp.layer_attention.0 / .2
/// (1×1 convs with bias, nn.Sequential indices, ReLU at 1, Sigmoid at 3), {cls,reg}_decomp.reduction_conv.conv
/// (no bias) + .gn; tood_cls, tood_reg (3×3, bias); cls_prob_module.0 / .2 and reg_offset_module.0 / .2
/// (Sequential: 1×1 conv, ReLU, 3×3 conv); scales.{l}.scale (0-d tensor).</item>
/// </list>
/// Not covered (would show up as unexpected/missing keys): DCN variants (conv_offset keys), R-101 /
/// ResNeXt backbones, anchor-based TOOD (same keys, different box decoding — importing it silently
/// gives wrong boxes; use anchor-free checkpoints only).
/// </summary>
public static class MmdetKeys
{
    public static IReadOnlyList<(string Key, long[] Shape)> Expected(ModelConfig cfg)
    {
        if (cfg.Head != HeadKind.TaskAligned) throw new ArgumentException("only the T-Head (TOODHead) has an MMDetection layout here");
        var keys = new List<(string, long[])>();
        foreach (var (k, s) in Backbone(cfg)) keys.Add(("backbone." + k, s));

        long c = cfg.FpnChannels, n = cfg.StackedConvs, k6 = c * n;
        var inCh = cfg.BackboneOutChannels();
        for (int i = 0; i < 3; i++) Conv(keys, $"neck.lateral_convs.{i}.conv", c, inCh[i], 1, bias: true);
        for (int i = 0; i < 5; i++) Conv(keys, $"neck.fpn_convs.{i}.conv", c, c, 3, bias: true);

        for (int i = 0; i < n; i++)
        {
            Conv(keys, $"bbox_head.inter_convs.{i}.conv", c, c, 3, bias: false);
            Affine(keys, $"bbox_head.inter_convs.{i}.gn", c);
        }
        foreach (var task in new[] { "cls", "reg" })
        {
            long la = k6 / (n * 8); // la_down_rate = 8·stacked_convs
            Conv(keys, $"bbox_head.{task}_decomp.layer_attention.0", la, k6, 1, bias: true);
            Conv(keys, $"bbox_head.{task}_decomp.layer_attention.2", n, la, 1, bias: true);
            Conv(keys, $"bbox_head.{task}_decomp.reduction_conv.conv", c, k6, 1, bias: false);
            Affine(keys, $"bbox_head.{task}_decomp.reduction_conv.gn", c);
        }
        Conv(keys, "bbox_head.tood_cls", cfg.NumClasses, c, 3, bias: true);
        Conv(keys, "bbox_head.tood_reg", 4, c, 3, bias: true);
        Conv(keys, "bbox_head.cls_prob_module.0", c / 4, k6, 1, bias: true);
        Conv(keys, "bbox_head.cls_prob_module.2", 1, c / 4, 3, bias: true);
        Conv(keys, "bbox_head.reg_offset_module.0", c / 4, k6, 1, bias: true);
        Conv(keys, "bbox_head.reg_offset_module.2", 8, c / 4, 3, bias: true);
        for (int l = 0; l < cfg.Strides.Length; l++) keys.Add(($"bbox_head.scales.{l}.scale", []));
        return keys;
    }

    /// <summary>torchvision ResNet keys (no prefix, no fc) for the config's backbone.</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> Backbone(ModelConfig cfg)
    {
        var keys = new List<(string, long[])>();
        Conv(keys, "conv1", cfg.StemWidth, 3, 7, bias: false);
        Bn(keys, "bn1", cfg.StemWidth);
        bool bottleneck = cfg.Block == BlockKind.Bottleneck;
        long expansion = bottleneck ? 4 : 1, inplanes = cfg.StemWidth;
        for (int s = 0; s < 4; s++)
        {
            long planes = (long)cfg.BaseWidth << s;
            for (int b = 0; b < cfg.Layers[s]; b++)
            {
                var p = $"layer{s + 1}.{b}";
                if (bottleneck)
                {
                    Conv(keys, $"{p}.conv1", planes, inplanes, 1, false); Bn(keys, $"{p}.bn1", planes);
                    Conv(keys, $"{p}.conv2", planes, planes, 3, false); Bn(keys, $"{p}.bn2", planes);
                    Conv(keys, $"{p}.conv3", planes * 4, planes, 1, false); Bn(keys, $"{p}.bn3", planes * 4);
                }
                else
                {
                    Conv(keys, $"{p}.conv1", planes, inplanes, 3, false); Bn(keys, $"{p}.bn1", planes);
                    Conv(keys, $"{p}.conv2", planes, planes, 3, false); Bn(keys, $"{p}.bn2", planes);
                }
                if (b == 0 && (s > 0 || inplanes != planes * expansion))
                {
                    Conv(keys, $"{p}.downsample.0", planes * expansion, inplanes, 1, false);
                    Bn(keys, $"{p}.downsample.1", planes * expansion);
                }
                inplanes = planes * expansion;
            }
        }
        return keys;
    }

    private static void Conv(List<(string, long[])> keys, string name, long outCh, long inCh, long kernel, bool bias)
    {
        keys.Add((name + ".weight", [outCh, inCh, kernel, kernel]));
        if (bias) keys.Add((name + ".bias", [outCh]));
    }

    private static void Affine(List<(string, long[])> keys, string name, long ch)
    {
        keys.Add((name + ".weight", [ch]));
        keys.Add((name + ".bias", [ch]));
    }

    private static void Bn(List<(string, long[])> keys, string name, long ch)
    {
        Affine(keys, name, ch);
        keys.Add((name + ".running_mean", [ch]));
        keys.Add((name + ".running_var", [ch]));
        keys.Add((name + ".num_batches_tracked", []));
    }
}
