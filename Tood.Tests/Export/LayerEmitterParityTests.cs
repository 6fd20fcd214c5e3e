using Tood.Train.Export;
using Tood.Train.Export.Emitters;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using DataType = Tood.Train.Export.Onnx.TensorProto.Types.DataType;

namespace Tood.Tests.Export;

/// <summary>
/// Each layer emitter against the TorchSharp op it replaces, on random input, through ORT's CPU EP.
/// Tolerances are float32 round-off (different summation order), far below any real mistake
/// (a wrong padding, axis or channel order gives errors of order 1).
/// </summary>
[Collection(ExportTestSupport.Serial)]
public class LayerEmitterParityTests
{
    private static OnnxGraphBuilder NewGraph(string input, params OnnxDim[] shape)
    {
        var g = new OnnxGraphBuilder("test");
        g.AddInput(input, DataType.Float, shape);
        return g;
    }

    private static OnnxDim[] Sym(int rank) => Enumerable.Range(0, rank).Select(i => OnnxDim.Symbolic($"d{i}")).ToArray();

    private static Tensor RunSingle(OnnxGraphBuilder g, int outRank, params (string, Tensor)[] inputs)
    {
        g.AddOutput("y", DataType.Float, Sym(outRank));
        return OrtTestRunner.Run(g.ToModel([], "test"), inputs)[0];
    }

    [Theory]
    [InlineData(3, 1, 1, true)]
    [InlineData(3, 2, 1, false)]
    [InlineData(1, 1, 0, true)]
    [InlineData(7, 2, 3, false)]
    public void Conv_with_folded_eval_batchnorm_matches_conv_then_batch_norm(int k, int stride, int pad, bool withBias)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(1);
        var x = randn([2, 8, 13, 11], generator: gen);
        var w = randn([16, 8, k, k], generator: gen) * 0.2;
        var b = withBias ? randn([16], generator: gen) : null;
        var gamma = rand([16], generator: gen) + 0.5;
        var beta = randn([16], generator: gen);
        var mean = randn([16], generator: gen);
        var variance = rand([16], generator: gen) * 2 + 0.1;
        var expected = F.batch_norm(F.conv2d(x, w, b, strides: [stride, stride], padding: [pad, pad]), mean, variance, gamma, beta, training: false, eps: 1e-5);

        var (wf, bf) = ConvEmitter.FoldBatchNorm(w, b, gamma, beta, mean, variance, 1e-5);
        var g = NewGraph("x", Sym(4));
        g.Conv("x", "conv", wf, bf, stride, pad, hint: "y");
        var actual = RunSingle(g, 4, ("x", x));
        Assert.True(OrtTestRunner.MaxAbsDiff(expected, actual) < 2e-5 * expected.abs().max().item<float>());
    }

    [Fact]
    public void GroupNorm_via_instance_normalization_matches_group_norm()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(2);
        // Non-zero mean and large scale: a missing mean subtraction or a wrong group layout shows at once.
        var x = randn([2, 64, 5, 7], generator: gen) * 5 + 3;
        var gamma = randn([64], generator: gen);
        var beta = randn([64], generator: gen);
        var expected = F.group_norm(x, 16, gamma, beta, 1e-5);

        var g = NewGraph("x", OnnxDim.Symbolic("N"), 64, 5, 7);
        var y = g.GroupNorm("x", "gn", gamma, beta, 16, 1e-5, 64, 5, 7);
        g.Relu(y, "y"); // the head always follows GN with ReLU
        var actual = RunSingle(g, 4, ("x", x));
        Assert.True(OrtTestRunner.MaxAbsDiff(F.relu(expected), actual) < 1e-5);
    }

    [Theory]
    [InlineData(5, 7, 10, 14)] // exact 2x (input sides multiples of 32)
    [InlineData(5, 7, 9, 13)]  // ceil sizes of odd inputs
    [InlineData(1, 1, 2, 1)]
    public void Nearest_resize_to_exact_size_matches_interpolate(int h, int w, int oh, int ow)
    {
        using var scope = NewDisposeScope();
        var x = randn([3, 4, h, w], generator: new Generator().manual_seed(3));
        var expected = F.interpolate(x, size: [oh, ow], mode: InterpolationMode.Nearest);
        var g = NewGraph("x", OnnxDim.Symbolic("N"), 4, h, w);
        g.ResizeNearest("x", oh, ow, "y");
        var actual = RunSingle(g, 4, ("x", x));
        Assert.Equal(0f, OrtTestRunner.MaxAbsDiff(expected, actual));
    }

    [Fact]
    public void Preprocessing_matches_bgr_to_rgb_normalize_nchw()
    {
        using var scope = NewDisposeScope();
        var img = randint(0, 256, [2, 6, 5, 3], generator: new Generator().manual_seed(4)).to_type(ScalarType.Byte);
        float[] mean = [123.675f, 116.28f, 103.53f], std = [58.395f, 57.12f, 57.375f];
        var rgb = img.to_type(ScalarType.Float32).flip(3);
        var expected = ((rgb - tensor(mean)) / tensor(std)).permute(0, 3, 1, 2);

        var g = new OnnxGraphBuilder("test");
        g.AddInput("images", DataType.Uint8, OnnxDim.Symbolic("N"), 6, 5, 3);
        var pre = g.Preprocess("images", mean, std);
        g.AddOutput(pre, DataType.Float, Sym(4));
        var actual = OrtTestRunner.Run(g.ToModel([], "test"), ("images", img))[0];
        Assert.True(OrtTestRunner.MaxAbsDiff(expected, actual) < 1e-5);
    }

    [Fact]
    public void Layer_attention_matches_scaling_each_layer_block_by_its_weight()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(5);
        const int L = 6, C = 8, H = 4, W = 5;
        var x = randn([3, L * C, H, W], generator: gen);
        var fc1w = randn([6, L * C, 1, 1], generator: gen) * 0.5;
        var fc1b = randn([6], generator: gen);
        var fc2w = randn([L, 6], generator: gen); // Linear-shaped weight is accepted too
        var fc2b = randn([L], generator: gen);
        var pooled = x.mean([2, 3], keepdim: true);
        var w = sigmoid(F.conv2d(F.relu(F.conv2d(pooled, fc1w, fc1b)), fc2w.reshape(L, 6, 1, 1), fc2b)); // [3,L,1,1]
        var blocks = Enumerable.Range(0, L).Select(k => x.narrow(1, k * C, C) * w.narrow(1, k, 1)).ToArray();
        var expected = cat(blocks, 1);

        var g = NewGraph("x", OnnxDim.Symbolic("N"), L * C, H, W);
        var p = g.GlobalAveragePool("x");
        var xt = g.LayerAttention("x", p, "decomp", fc1w, fc1b, fc2w, fc2b, L, C, H, W);
        g.AddOutput(xt, DataType.Float, Sym(4));
        var actual = OrtTestRunner.Run(g.ToModel([], "test"), ("x", x))[0];
        Assert.True(OrtTestRunner.MaxAbsDiff(expected, actual) < 1e-5);
    }

    [Theory]
    [InlineData(6, 5)]
    [InlineData(1, 1)] // P7 of a small image: align_corners=0 still works on a 1x1 map
    [InlineData(3, 8)]
    public void Box_decode_and_grid_sample_alignment_match_spec_2_3(int H, int W)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(6);
        const float scale = 1.3f;
        var feat = randn([2, 16, H, W], generator: gen);
        var regW = randn([4, 16, 3, 3], generator: gen) * 0.1;
        var regB = randn([4], generator: gen) * 0.1;
        var offW = randn([8, 16, 3, 3], generator: gen) * 0.1; // offsets up to ~2 cells, some out of bounds
        var offB = randn([8], generator: gen) * 0.3;

        // Reference, written straight from spec §2.2 step 5-6 and §2.3 in TorchSharp.
        var dist = scale * exp(F.conv2d(feat, regW, regB, padding: [1, 1]));
        var jj = arange(W, dtype: ScalarType.Float32).view(1, 1, W).expand(1, H, W);
        var ii = arange(H, dtype: ScalarType.Float32).view(1, H, 1).expand(1, H, W);
        var box = stack([jj - dist[.., 0], ii - dist[.., 1], jj + dist[.., 2], ii + dist[.., 3]], 1); // [2,4,H,W]
        var off = F.conv2d(feat, offW, offB, padding: [1, 1]).view(2, 4, 2, H, W);
        var dy = off[.., .., 0];
        var dx = off[.., .., 1];
        var gx = (2 * (jj.unsqueeze(0) + dx) + 1) / W - 1;
        var gy = (2 * (ii.unsqueeze(0) + dy) + 1) / H - 1;
        var grid = stack([gx, gy], -1).view(2 * 4, H, W, 2);
        var expected = F.grid_sample(box.view(2 * 4, 1, H, W), grid, mode: GridSampleMode.Bilinear,
            padding_mode: GridSamplePaddingMode.Zeros, align_corners: false).view(2, 4, H, W);

        var g = NewGraph("x", OnnxDim.Symbolic("N"), 16, H, W);
        var reg = g.Conv("x", "tood_reg", regW, regB, 1, 1);
        var decoded = g.DecodeDistances(reg, scale, H, W, "box");
        var (xyW, xyB) = BoxEmitter.OffsetConvToXy(offW, offB);
        var offsets = g.Conv("x", "reg_offset", xyW, xyB, 1, 1);
        g.AlignBoxes(decoded, offsets, H, W, "y");
        var actual = RunSingle(g, 4, ("x", feat));
        Assert.True(expected.abs().sum().item<float>() > 0); // not the trivial all-zero case
        Assert.True(OrtTestRunner.MaxAbsDiff(expected, actual) < 1e-4, $"max diff {OrtTestRunner.MaxAbsDiff(expected, actual)}");
    }

    [Fact]
    public void Zero_offsets_leave_boxes_unchanged_and_unit_column_offset_shifts_left()
    {
        // spec §10 item 3, through the exported graph: offsets (dy,dx)=(0,0) ⇒ identity; (0,1) ⇒ column j reads j+1, last column 0.
        using var scope = NewDisposeScope();
        const int H = 3, W = 4;
        var box = randn([1, 4, H, W], generator: new Generator().manual_seed(7));
        foreach (var (dxv, check) in new (float, Func<Tensor, Tensor>)[]
                 {
                     (0f, b => b),
                     (1f, b => cat([b[.., .., .., 1..], zeros(1, 4, H, 1)], 3)),
                 })
        {
            var g = new OnnxGraphBuilder("test");
            g.AddInput("box", DataType.Float, OnnxDim.Symbolic("N"), 4, H, W);
            g.AddInput("off", DataType.Float, OnnxDim.Symbolic("N"), 8, H, W);
            g.AlignBoxes("box", "off", H, W, "y");
            g.AddOutput("y", DataType.Float, Sym(4));
            // (dx,dy) per side after OffsetConvToXy: dx in even channels.
            var off = zeros(1, 8, H, W);
            off[.., TensorIndex.Slice(0, 8, 2)] = tensor(dxv);
            var actual = OrtTestRunner.Run(g.ToModel([], "test"), ("box", box), ("off", off))[0];
            Assert.True(OrtTestRunner.MaxAbsDiff(check(box), actual) < 1e-5);
        }
    }
}
