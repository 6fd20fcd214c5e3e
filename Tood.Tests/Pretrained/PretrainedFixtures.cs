using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Tests.Pretrained;

/// <summary>Shared helpers: randomised weights (so a loader that skips a tensor is caught) and natural-ish images.</summary>
internal static class PretrainedFixtures
{
    /// <summary>
    /// Overwrites every floating-point parameter and buffer with seeded random values in a plausible
    /// range: BN/GN scales and running_var in [0.5,1.5], biases/running_mean ~ N(0,0.1), Scale scalars
    /// in [0.8,1.2], conv weights re-drawn with the std they already had. Default-valued buffers
    /// (running_mean 0, running_var 1) would otherwise let a loader that forgets buffers pass.
    /// </summary>
    public static void Randomise(nn.Module module, long seed)
    {
        using var g = new Generator((ulong)seed);
        using var noGrad = torch.no_grad();
        foreach (var (key, t) in module.state_dict())
        {
            if (!t.is_floating_point()) continue;
            using var scope = torch.NewDisposeScope();
            bool normScale = t.dim() == 1 && key.EndsWith(".weight", StringComparison.Ordinal)
                && (key.Contains(".bn", StringComparison.Ordinal) || key.StartsWith("bn", StringComparison.Ordinal)
                    || key.Contains(".gn.", StringComparison.Ordinal) || key.Contains("downsample.1", StringComparison.Ordinal));
            Tensor v;
            if (key.EndsWith("running_var", StringComparison.Ordinal) || normScale) v = torch.rand(t.shape, generator: g) + 0.5;
            else if (t.dim() == 0) v = torch.rand(t.shape, generator: g) * 0.4 + 0.8;
            else if (t.dim() == 1) v = torch.randn(t.shape, generator: g) * 0.1;
            else v = torch.randn(t.shape, generator: g) * Math.Max(t.std().item<float>(), 1e-3);
            t.copy_(v);
        }
    }

    /// <summary>
    /// A [1,3,H,W] RGB image normalised with the ImageNet mean/std: smooth colour gradients, a few
    /// solid rectangles (edges) and pixel noise — not zeros, not pure noise.
    /// </summary>
    public static Tensor Image(int height, int width, long seed)
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator((ulong)seed);
        var ys = torch.linspace(0, 1, height).view(1, height, 1);
        var xs = torch.linspace(0, 1, width).view(1, 1, width);
        var img = torch.cat([
            (ys * 180 + xs * 40 + 20).expand(1, height, width),
            (xs * 200 + 30).expand(1, height, width),
            ((ys * xs) * 150 + 60).expand(1, height, width)], 0).clone();
        for (int r = 0; r < 4; r++)
        {
            var box = torch.rand(4, generator: g);
            int y0 = (int)(box[0].item<float>() * height * 0.7), x0 = (int)(box[1].item<float>() * width * 0.7);
            int h = Math.Max(4, (int)(box[2].item<float>() * height * 0.4)), w = Math.Max(4, (int)(box[3].item<float>() * width * 0.4));
            var colour = torch.rand(3, generator: g) * 255;
            int y1 = Math.Min(height, y0 + h), x1 = Math.Min(width, x0 + w);
            img[TensorIndex.Colon, TensorIndex.Slice(y0, y1), TensorIndex.Slice(x0, x1)] = colour.view(3, 1, 1).expand(3, y1 - y0, x1 - x0);
        }
        img += (torch.rand(img.shape, generator: g) - 0.5) * 20;
        img = img.clamp(0, 255);
        var mean = torch.tensor(new[] { 123.675f, 116.28f, 103.53f }).view(3, 1, 1);
        var std = torch.tensor(new[] { 58.395f, 57.12f, 57.375f }).view(3, 1, 1);
        return ((img - mean) / std).unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>max |a − b| over equally shaped tensors.</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Xunit.Assert.Equal(a.shape, b.shape);
        using var d = (a - b).abs().max();
        return d.item<float>();
    }
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tood-pretrained-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
