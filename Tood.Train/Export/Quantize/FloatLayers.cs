namespace Tood.Train.Export.Quantize;

/// <summary>A rule that keeps convolutions in float: <see cref="Pattern"/> is a part of the conv's weight name.</summary>
public sealed record FloatRule(string Pattern, string Reason);

/// <summary>
/// Which convolutions stay float in an int8 export, and why. The in-graph preprocessing (Cast, BGR→RGB, mean/std,
/// transpose) and the box/score decoding (Exp, anchors, GridSample alignment, Sigmoid/Sqrt scores) are never
/// quantized: they are not convolutions, cost little, and carry the geometry. BENCHMARKS.md §14 has the AP measured
/// for each choice.
/// </summary>
public static class FloatLayers
{
    public static readonly IReadOnlyList<FloatRule> Default =
    [
        new("backbone.conv1", "first conv: per-tensor uint8 of the normalised 3-channel image loses the colour channels' different ranges"),
        new("la_conv", "layer attention 1x1 convs on pooled [N,C,1,1] vectors: nothing to gain, and they weight whole feature maps"),
        new("tood_cls", "final classification predictor: its logits are the score"),
        new("tood_reg", "final box predictor: exp() of its output is the box distance, so a logit step is a box-size step"),
        new("cls_prob_module", "alignment map M (score = sqrt(sigmoid(cls) sigmoid(M))): tiny convs, score precision"),
        new("reg_offset_module", "alignment offsets O: sub-pixel sampling positions of each box side"),
        new("atss_cls", "final classification predictor (parallel head)"),
        new("atss_reg", "final box predictor (parallel head)"),
        new("atss_centerness", "centerness predictor (parallel head)"),
    ];

    /// <summary>Rules from "a,b,c" (each a part of a weight name; "none" quantizes every conv).</summary>
    public static IReadOnlyList<FloatRule> Parse(string text)
    {
        if (string.Equals(text.Trim(), "none", StringComparison.OrdinalIgnoreCase)) return [];
        return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => Default.FirstOrDefault(d => d.Pattern == p) ?? new FloatRule(p, "--float-layers"))];
    }

    public static FloatRule? Match(string weightName, IReadOnlyList<FloatRule> rules) =>
        rules.FirstOrDefault(r => weightName.Contains(r.Pattern, StringComparison.Ordinal));
}
