using Tood.Realtime.Inference;
using Tood.Train.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Tests.Export;

/// <summary>Deterministic test images, weight randomisation and the TorchSharp reference forward.</summary>
internal static class ExportTestSupport
{
    /// <summary>xunit collection that runs the TorchSharp-heavy export tests one at a time (2-core machine;
    /// keeps their global-RNG use and memory peaks from overlapping).</summary>
    public const string Serial = "Tood export (serial)";

    /// <summary>
    /// "Real-looking" uint8 BGR images [N,H,W,3]: per-image colour gradients, a few filled rectangles and
    /// discs of random colour, plus noise — structure at several scales so every FPN level sees signal.
    /// </summary>
    public static Tensor Images(int n, int height, int width, long seed)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(seed);
        var ys = arange(height, dtype: ScalarType.Float32).view(1, height, 1, 1) / height;
        var xs = arange(width, dtype: ScalarType.Float32).view(1, 1, width, 1) / width;
        var a = rand([n, 1, 1, 3], generator: gen) * 255;
        var bx = rand([n, 1, 1, 3], generator: gen) * 160 - 80;
        var by = rand([n, 1, 1, 3], generator: gen) * 160 - 80;
        var img = a + bx * xs + by * ys;
        for (int k = 0; k < 6; k++)
        {
            var r = rand([n, 7], generator: gen);
            for (int b = 0; b < n; b++)
            {
                float cx = r[b, 0].item<float>() * width, cy = r[b, 1].item<float>() * height;
                float rw = 4 + r[b, 2].item<float>() * width / 3, rh = 4 + r[b, 3].item<float>() * height / 3;
                var colour = r[b, 4..7].view(1, 1, 3) * 255;
                Tensor mask = k % 2 == 0
                    ? ((xs[0] - cx / width).abs() * width < rw / 2).logical_and((ys[0] - cy / height).abs() * height < rh / 2)
                    : ((xs[0] * width - cx).square() + (ys[0] * height - cy).square()) < (rw * rw / 4);
                img[b] = where(mask.expand(height, width, 3), colour.expand(height, width, 3), img[b]);
            }
        }
        img = img + randn([n, height, width, 3], generator: gen) * 8;
        return img.round().clamp(0, 255).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Replaces the (mostly tiny) initial weights by random ones of moderate size and random BN running
    /// statistics, so scores spread over (0,1), boxes have varied sizes and offsets move boxes by about a cell:
    /// a parity test on the init weights would compare near-constant outputs.
    /// </summary>
    public static void Randomize(ToodDetector model, long seed)
    {
        using var noGrad = no_grad();
        var gen = new Generator().manual_seed(seed);
        foreach (var (name, p) in model.named_parameters())
        {
            if (p.dim() >= 2)
            {
                long fanIn = p.numel() / p.shape[0];
                double std = name.Contains("reg_offset_module.2") || name.Contains("tood_reg") || name.Contains("atss_reg") ? 0.5 : 1.0;
                p.copy_(randn(p.shape, generator: gen) * (std / Math.Sqrt(fanIn)));
            }
            else if (p.dim() == 0) p.copy_(rand([], generator: gen) * 0.4 + 0.8);   // Scale
            else if (name.EndsWith(".weight", StringComparison.Ordinal)) p.copy_(rand(p.shape, generator: gen) + 0.5); // BN/GN γ
            else p.copy_(randn(p.shape, generator: gen) * 0.2);                     // biases, BN/GN β
        }
        foreach (var (name, b) in model.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) b.copy_(randn(b.shape, generator: gen) * 0.2);
            else if (name.EndsWith("running_var", StringComparison.Ordinal)) b.copy_(rand(b.shape, generator: gen) + 0.5);
        }
    }

    /// <summary>A preset model (global generator seeded) with <see cref="Randomize"/>d weights, in eval mode.</summary>
    public static ToodDetector RandomModel(string preset, int classes, HeadKind head, long seed)
    {
        manual_seed(seed);
        var m = ToodDetector.Create(preset, classes, head);
        Randomize(m, seed);
        m.eval();
        return m;
    }

    /// <summary>TorchSharp reference on uint8 BGR images: (boxes [N,A,4] px, inference scores [N,A,K]).</summary>
    public static (Tensor Boxes, Tensor Scores) Reference(ToodDetector model, Tensor imagesBgr, CheckpointMeta meta)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var rgb = imagesBgr.to_type(ScalarType.Float32).flip(3);
        var x = ((rgb - tensor(meta.Mean.ToArray())) / tensor(meta.Std.ToArray())).permute(0, 3, 1, 2).contiguous();
        using var output = model.forward(x);
        return (output.FlatBoxes().MoveToOuterDisposeScope(), output.InferenceScores().MoveToOuterDisposeScope());
    }

    public static CheckpointMeta Meta(ToodDetector model, int width, int height) => new()
    {
        Model = model.Config,
        ClassNames = [.. Enumerable.Range(0, model.Config.NumClasses).Select(i => $"thing{i}")],
        CategoryIds = [.. Enumerable.Range(0, model.Config.NumClasses).Select(i => 2 * i + 1)],
        InputWidth = width,
        InputHeight = height,
        Mean = ModelContract.DefaultMean,
        Std = ModelContract.DefaultStd,
        TrainingData = "unit test: random weights",
    };

    /// <summary>Runs an exported model on ORT CPU: (boxes, scores).</summary>
    public static (Tensor Boxes, Tensor Scores) RunOnnx(byte[] onnx, Tensor imagesBgr)
    {
        using var session = OrtTestRunner.Session(onnx);
        var outs = OrtTestRunner.Run(session, (ModelContract.InputName, imagesBgr));
        var names = session.OutputNames.ToList();
        return (outs[names.IndexOf(ModelContract.BoxesName)], outs[names.IndexOf(ModelContract.ScoresName)]);
    }
}
