using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Train.Model;
using Tood.Train.Pretrained;
using Tood.Train.Pretrained.Onnx;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tood.Tests.Pretrained;

/// <summary>
/// The packaged ImageNet ResNet-18 (Microsoft.ML.DnnImageFeaturizer.ResNet18) imported into the r18mlnet
/// backbone, against ONNX Runtime running the package's own two files on real coco128 photos. Figure: the
/// relative L2 error ‖ours − ort‖ / ‖ort‖ of the pooled C5 (the file's output, a 7×7 average pool).
/// </summary>
public class MlnetResNetParityTests(ITestOutputHelper output)
{
    private const int S = 224;
    private static readonly string PrepFile = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");
    private static readonly string NetFile = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>RGB 0–255 planes [3,224,224] of a photo resized with OpenCV (the same pixels go to both sides).</summary>
    private static float[] RgbPlanes(string path)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        using var small = bgr.Resize(new OpenCvSharp.Size(S, S), 0, 0, InterpolationFlags.Area);
        var planes = new float[3 * S * S];
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++)
            {
                var p = small.At<Vec3b>(y, x);
                (planes[y * S + x], planes[(S + y) * S + x], planes[(2 * S + y) * S + x]) = (p.Item2, p.Item1, p.Item0);
            }
        return planes;
    }

    private static float[] Run(InferenceSession s, float[] input)
    {
        using var v = OrtValue.CreateTensorValueFromMemory(input, [1, 3, S, S]);
        using var ro = new RunOptions();
        using var r = s.Run(ro, [s.InputNames[0]], [v], [s.OutputNames[0]]);
        return r[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>BGR − m[c] per channel: the file's input with the mean image replaced by per-channel means.</summary>
    private static float[] BgrMinus(float[] rgb, double[] meanBgr)
    {
        var x = new float[rgb.Length];
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < S * S; i++) x[c * S * S + i] = rgb[(2 - c) * S * S + i] - (float)meanBgr[c];
        return x;
    }

    private static float[] PooledC5(ResNet backbone, float[] rgb)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.tensor(rgb, [1, 3, S, S]);
        var norm = (x - torch.tensor(ModelContract.DefaultMean).view(1, 3, 1, 1)) / torch.tensor(ModelContract.DefaultStd).view(1, 3, 1, 1);
        return backbone.forward(norm)[2].mean([2, 3]).flatten().data<float>().ToArray();
    }

    private static double RelativeError(float[] a, float[] b) =>
        Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum() / b.Sum(y => (double)y * y));

    private static ResNet Backbone(Dictionary<string, Tensor> sd)
    {
        var backbone = new ResNet(ModelPresets.R18Mlnet(1));
        BackboneWeights.Load(backbone, sd, NetFile);
        foreach (var t in sd.Values) t.Dispose();
        backbone.eval();
        return backbone;
    }

    [Fact]
    public void Imported_backbone_matches_onnx_runtime_on_the_package_files_for_real_photos()
    {
        using var prep = new InferenceSession(PrepFile);
        using var net = new InferenceSession(NetFile);
        var m = CntkPreprocess.Read(PrepFile).ChannelMeanBgr();
        double[] imagenetBgr = [.. ModelContract.DefaultMean.Reverse().Select(v => (double)v)];

        // As shipped: loaded by short name, the file's per-channel mean folded in.
        using var shipped = new ResNet(ModelPresets.R18Mlnet(1));
        var report = BackboneWeights.Load(shipped, PackagedBackbones.MlnetResNet18);
        shipped.eval();
        Assert.Equal(110, report.Matched.Count); // 22 convs + 22 BNs × 4 tensors
        // Folding the ImageNet mean instead makes x = 0 ⇔ x' = 0, so zero padding agrees too: exact fold.
        using var exact = Backbone(MlnetResNetImport.StateDict(NetFile, ModelPresets.R18Mlnet(1), imagenetBgr));

        foreach (var photo in SharedData.Coco128Images("val2017", 2))
        {
            var rgb = RgbPlanes(photo);
            var full = Run(net, Run(prep, rgb));               // the package's convention: BGR − mean image
            var perChannel = Run(net, BgrMinus(rgb, m));       // mean image → its per-channel average
            var oursShipped = PooledC5(shipped, rgb);
            double algebra = RelativeError(PooledC5(exact, rgb), Run(net, BgrMinus(rgb, imagenetBgr)));
            double border = RelativeError(oursShipped, perChannel);
            double meanImage = RelativeError(perChannel, full);
            double total = RelativeError(oursShipped, full);
            output.WriteLine($"{Path.GetFileName(photo)}: exact fold {algebra:E2}; +border padding {border:E2}; ORT per-channel vs mean image {meanImage:E2}; ours vs package {total:E2}");
            Assert.True(algebra <= 1e-5, $"{photo}: fold with ImageNet mean differs by {algebra:E3}");
            Assert.True(border <= 1e-3, $"{photo}: per-channel-mean fold differs by {border:E3}");
            // The rest is the package's 224×224 mean image (σ 3–6 grey levels) vs its per-channel average,
            // which no conv/BN fold can express at other image sizes: ours tracks ORT with per-channel means.
            Assert.True(Math.Abs(total - meanImage) <= 1e-3, $"{photo}: ours vs package {total:E3}, per-channel ORT vs package {meanImage:E3}");
            Assert.True(meanImage <= 0.06, $"{photo}: mean-image effect {meanImage:E3}");
        }
    }
}
