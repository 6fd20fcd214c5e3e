using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary>Small pieces of math shared by both heads.</summary>
public static class HeadMath
{
    /// <summary>
    /// Anchor-free decode in grid units (spec §2.2 step 5): dist [B,4,H,W] = (l,t,r,b) around the anchor
    /// point (j, i) (no +0.5, spec §3) → (j−l, i−t, j+r, i+b) [B,4,H,W].
    /// </summary>
    public static Tensor DistanceToBoxes(Tensor dist)
    {
        using var scope = torch.NewDisposeScope();
        long h = dist.shape[2], w = dist.shape[3];
        var jj = torch.arange(w, dtype: dist.dtype, device: dist.device).view(1, 1, w).expand(1, h, w);
        var ii = torch.arange(h, dtype: dist.dtype, device: dist.device).view(1, h, 1).expand(1, h, w);
        var xy = torch.cat([jj, ii, jj, ii], 0).unsqueeze(0); // [1,4,H,W]
        var sign = torch.tensor(new float[] { -1, -1, 1, 1 }, dtype: dist.dtype, device: dist.device).view(1, 4, 1, 1);
        return (xy + sign * dist).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// sqrt(σ(a)·σ(b)) computed as exp((logσ(a) + logσ(b))/2): identical value, but finite gradients
    /// even where σ(a)·σ(b) underflows to 0 in fp32 (spec P2; mmdet's SigmoidGeometricMean has the
    /// same purpose). No eps is added, so the function is exactly the paper's.
    /// </summary>
    public static Tensor SigmoidGeometricMean(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        var s = nn.functional.logsigmoid(a) + nn.functional.logsigmoid(b);
        return s.mul_(0.5).exp_().MoveToOuterDisposeScope();
    }
}
