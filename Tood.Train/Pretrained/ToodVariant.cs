using System.Text.RegularExpressions;

namespace Tood.Train.Pretrained;

/// <summary>
/// Which TOOD head variant a checkpoint was trained as (spec §2.2 item 7). The anchor-based variant
/// (<c>tood_r50_fpn_anchor_based_1x_coco</c>) has exactly the keys and shapes of the anchor-free one, but its
/// <c>tood_reg</c> outputs are DeltaXYWH deltas against 8·stride anchors, not exp'd distances: imported as
/// anchor-free it would load silently and decode wrong boxes. Tood implements only the anchor-free head, so
/// the variant is read from what the file carries — the training config text that mmdet stores in
/// <c>meta.config</c> (2.x) / <c>meta.cfg</c> (mmengine), else the file name MMDetection published it under —
/// and the anchor-based one is refused. The weights alone cannot tell the two apart.
/// </summary>
public sealed partial record ToodVariant(bool AnchorBased, string Evidence, string? Warning)
{
    public static ToodVariant Detect(WeightFile file)
    {
        var name = Path.GetFileName(file.Path);
        if (file.ConfigText is { } cfg)
        {
            var types = AnchorTypeRegex().Matches(cfg).Select(m => m.Groups[1].Value).Distinct().ToList();
            if (types.Contains("anchor_based"))
                throw Refuse(file.Path, "anchor_type='anchor_based' in the training config stored in its meta");
            return types.Count == 0
                ? new(false, "anchor_free (config text has no anchor_type: TOODHead's default)", null)
                : new(false, "anchor_free (training config in the checkpoint)", null);
        }
        if (name.Contains("anchor_based", StringComparison.OrdinalIgnoreCase))
            throw Refuse(file.Path, "its file name says anchor_based and it carries no config text to say otherwise");
        return new(false, "anchor_free (assumed: no config text in the checkpoint)",
            $"'{name}' carries no training config, so its head variant cannot be verified: anchor-free is assumed "
            + "(the anchor-based tood_r50_fpn_anchor_based_1x has the same keys and shapes and would decode wrong boxes)");
    }

    private static WeightsException Refuse(string path, string evidence) => new(
        $"'{path}' is the anchor-based TOOD variant ({evidence}): its box branch predicts deltas against 8·stride anchors, "
        + "which Tood's anchor-free head would decode into wrong boxes; use the anchor-free checkpoint (tood_r50_fpn_1x_coco) instead");

    // anchor_type='anchor_based' (mmdet pretty_text) or 'anchor_type': 'anchor_based' (dict literal style).
    [GeneratedRegex(@"\banchor_type['""]?\s*[=:]\s*['""]([A-Za-z_]+)['""]")]
    private static partial Regex AnchorTypeRegex();
}
