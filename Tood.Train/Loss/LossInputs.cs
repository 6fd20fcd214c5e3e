using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>
/// The batch's flattened dense head outputs and priors, in the flatten order of CONTEXT.md
/// (per level row-major, levels P3→P7).
/// </summary>
/// <param name="Scores">[B,A,K] class probabilities (T-Head: aligned sqrt(σ·σ); parallel head: σ(cls)).</param>
/// <param name="Boxes">[B,A,4] predicted boxes in pixels.</param>
/// <param name="AnchorPoints">[A,2] anchor centres (j·s, i·s) in pixels.</param>
/// <param name="Strides">[A] stride of each anchor's level.</param>
/// <param name="LevelCounts">Anchors per level (needed by ATSS).</param>
/// <param name="CenternessLogits">Optional [B,A] or [B,A,1] centerness logits (parallel head only; DetectorOutput.FlatCenterness()).</param>
/// <param name="ValidMask">Optional [B,A] bool: false for anchors in the batch padding of an image (spec §3 valid flags).</param>
public sealed record LossInputs(
    Tensor Scores,
    Tensor Boxes,
    Tensor AnchorPoints,
    Tensor Strides,
    IReadOnlyList<int> LevelCounts,
    Tensor? CenternessLogits = null,
    Tensor? ValidMask = null);
