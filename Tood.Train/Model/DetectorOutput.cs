using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>
/// Raw per-level head outputs (CONTEXT "Model API"). Owns its tensors: dispose it (or move them out).
/// <list type="bullet">
/// <item><see cref="ClsScores"/>: per level [B,K,H_l,W_l] probabilities (T-Head: sqrt(σ(cls)·σ(M));
/// parallel: σ(cls)).</item>
/// <item><see cref="BoxPreds"/>: per level [B,4,H_l,W_l] absolute (x1,y1,x2,y2) in grid units of that level
/// (after alignment for the T-Head).</item>
/// <item><see cref="Centerness"/>: parallel head only, per level [B,1,H_l,W_l] logits.</item>
/// </list>
/// Flattened views follow the anchor order of <see cref="Priors"/>: per level row-major, P3→P7.
/// </summary>
public sealed class DetectorOutput : IDisposable
{
    public IReadOnlyList<Tensor> ClsScores { get; }
    public IReadOnlyList<Tensor> BoxPreds { get; }
    public IReadOnlyList<Tensor>? Centerness { get; }
    public IReadOnlyList<int> Strides { get; }
    public HeadKind Head { get; }

    public DetectorOutput(IReadOnlyList<Tensor> clsScores, IReadOnlyList<Tensor> boxPreds,
        IReadOnlyList<Tensor>? centerness, IReadOnlyList<int> strides, HeadKind head)
    {
        if (clsScores.Count != boxPreds.Count || clsScores.Count != strides.Count)
            throw new ArgumentException("one score, box and stride per level expected");
        ClsScores = clsScores;
        BoxPreds = boxPreds;
        Centerness = centerness;
        Strides = strides;
        Head = head;
    }

    public int NumClasses => (int)ClsScores[0].shape[1];
    public long BatchSize => ClsScores[0].shape[0];

    /// <summary>Per-level feature sizes (H_l, W_l).</summary>
    public IReadOnlyList<(int Height, int Width)> LevelSizes =>
        [.. ClsScores.Select(t => ((int)t.shape[2], (int)t.shape[3]))];

    /// <summary>[B, A, K] score probabilities as trained (T-Head aligned score / parallel σ(cls)).</summary>
    public Tensor FlatScores() => Flatten(ClsScores, null);

    /// <summary>[B, A, 4] boxes (x1,y1,x2,y2) in input pixels (grid units × level stride).</summary>
    public Tensor FlatBoxes() => Flatten(BoxPreds, Strides);

    /// <summary>[B, A, 4] boxes in grid units of each anchor's own level.</summary>
    public Tensor FlatBoxesGrid() => Flatten(BoxPreds, null);

    /// <summary>[B, A, 1] centerness logits (parallel head only).</summary>
    public Tensor FlatCenterness() =>
        Flatten(Centerness ?? throw new InvalidOperationException("only the parallel head predicts centerness"), null);

    /// <summary>
    /// [B, A, K] scores used for ranking at inference: T-Head = ClsScores; parallel = σ(cls)·σ(centerness)
    /// (mmdet ATSS test-time scoring).
    /// </summary>
    public Tensor InferenceScores()
    {
        if (Centerness is null) return FlatScores();
        using var scope = torch.NewDisposeScope();
        return (FlatScores() * FlatCenterness().sigmoid()).MoveToOuterDisposeScope();
    }

    private static Tensor Flatten(IReadOnlyList<Tensor> levels, IReadOnlyList<int>? strides)
    {
        using var scope = torch.NewDisposeScope();
        var parts = new Tensor[levels.Count];
        for (int l = 0; l < levels.Count; l++)
        {
            var t = levels[l];
            var flat = t.permute(0, 2, 3, 1).reshape(t.shape[0], -1, t.shape[1]);
            parts[l] = strides is null ? flat : flat * strides[l];
        }
        return torch.cat(parts, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Moves every owned tensor to the enclosing dispose scope (for returning out of a scope).</summary>
    public DetectorOutput MoveToOuterDisposeScope()
    {
        foreach (var t in AllTensors()) t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Detaches the tensors from any dispose scope; the caller disposes this object.</summary>
    public DetectorOutput DetachFromDisposeScope()
    {
        foreach (var t in AllTensors()) t.DetachFromDisposeScope();
        return this;
    }

    private IEnumerable<Tensor> AllTensors() => ClsScores.Concat(BoxPreds).Concat(Centerness ?? []);

    public void Dispose()
    {
        foreach (var t in AllTensors()) t.Dispose();
    }
}
