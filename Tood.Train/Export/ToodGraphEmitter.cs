using Tood.Realtime.Inference;
using Tood.Train.Export.Emitters;
using Tood.Train.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DataType = Tood.Train.Export.Onnx.TensorProto.Types.DataType;

namespace Tood.Train.Export;

/// <summary>
/// Walks a <see cref="ToodDetector"/> (eval semantics: BatchNorm uses running statistics and is folded
/// into its conv) and emits the whole inference graph: preprocessing → ResNet → FPN → head → flat
/// <c>boxes</c>/<c>scores</c> (ONNX contract, <see cref="ModelContract"/>). Spatial sizes are static (from
/// the export input size); the batch dimension is symbolic or fixed.
/// </summary>
internal sealed class ToodGraphEmitter
{
    /// <summary>A value in the graph with its static shape (batch excluded).</summary>
    private readonly record struct Feat(string Name, long C, long H, long W);

    private readonly OnnxGraphBuilder _g;
    private readonly ModuleIndex _m;
    private readonly ModelConfig _cfg;

    private ToodGraphEmitter(OnnxGraphBuilder g, ModuleIndex m, ModelConfig cfg) { _g = g; _m = m; _cfg = cfg; }

    public static void Emit(OnnxGraphBuilder g, ToodDetector model, IReadOnlyList<float> mean, IReadOnlyList<float> std, ExportOptions o)
    {
        var e = new ToodGraphEmitter(g, new ModuleIndex(model), model.Config);
        OnnxDim batch = o.Batch is { } b ? OnnxDim.Fixed(b) : OnnxDim.Symbolic("batch");
        g.AddInput(ModelContract.InputName, DataType.Uint8, batch, o.InputHeight, o.InputWidth, 3);
        var x = new Feat(g.Preprocess(ModelContract.InputName, mean, std), 3, o.InputHeight, o.InputWidth);
        var c = e.Backbone(x);
        var p = e.Neck(c);
        var (boxes, scores) = model.Config.Head == HeadKind.TaskAligned ? e.THead(p) : e.ParallelHead(p);
        long anchors = p.Sum(f => f.H * f.W);
        g.AddOutput(boxes, DataType.Float, batch, anchors, 4);
        g.AddOutput(scores, DataType.Float, batch, anchors, model.Config.NumClasses);
    }

    // ------------------------------------------------------------------ building blocks

    private static long OutSize(long size, long kernel, long stride, long pad, long dilation = 1) =>
        (size + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;

    private Feat Conv(Feat x, string path, Tensor weight, Tensor? bias, Conv2d conv, string? hint = null)
    {
        long k = conv.kernel_size[0], s = conv.stride[0], d = conv.dilation[0];
        long pad = conv.padding?[0] ?? throw new InvalidOperationException($"export: conv '{path}' uses string padding");
        if (conv.kernel_size[0] != conv.kernel_size[1] || conv.stride[0] != conv.stride[1] || conv.padding[0] != conv.padding[1])
            throw new InvalidOperationException($"export: conv '{path}' is not square");
        var y = _g.Conv(x.Name, path, weight, bias, s, pad, d, conv.groups, hint);
        return new Feat(y, weight.shape[0], OutSize(x.H, k, s, pad, d), OutSize(x.W, k, s, pad, d));
    }

    /// <summary>Plain conv (weights as trained).</summary>
    private Feat Conv(Feat x, string path, string? hint = null)
    {
        var conv = _m.Conv(path);
        return Conv(x, path, conv.weight, conv.bias, conv, hint);
    }

    /// <summary>Conv followed by eval-mode BatchNorm, folded into one Conv.</summary>
    private Feat ConvBn(Feat x, string convPath, string bnPath)
    {
        var conv = _m.Conv(convPath);
        var bn = _m.Get<BatchNorm2d>(bnPath);
        var (w, b) = ConvEmitter.FoldBatchNorm(conv.weight, conv.bias, bn.weight!, bn.bias!, bn.running_mean!, bn.running_var!, bn.eps);
        using (w) using (b) return Conv(x, convPath + "+bn", w, b, conv, convPath);
    }

    private Feat Relu(Feat x) => x with { Name = _g.Relu(x.Name, x.Name + ".relu") };

    /// <summary>mmcv ConvModule: conv → [GN] → [ReLU] (keys <c>{path}.conv</c>, <c>{path}.gn</c>).</summary>
    private Feat ConvModule(Feat x, string path, bool relu, string? hint = null)
    {
        var y = Conv(x, path + ".conv", hint);
        if (_m.Contains(path + ".gn"))
        {
            var gn = _m.Get<GroupNorm>(path + ".gn");
            y = y with { Name = _g.GroupNorm(y.Name, path + ".gn", gn.weight!, gn.bias!, gn.num_groups, gn.eps, y.C, y.H, y.W) };
        }
        return relu ? Relu(y) : y;
    }

    // ------------------------------------------------------------------ backbone (spec §1.1)

    private Feat[] Backbone(Feat x)
    {
        var y = Relu(ConvBn(x, "backbone.conv1", "backbone.bn1"));
        var pool = _m.Get<MaxPool2d>("backbone.maxpool");
        long k = pool.kernel_size[0], s = pool.stride?[0] ?? k, p = pool.padding?[0] ?? 0;
        y = new Feat(_g.Node("MaxPool", [y.Name], "backbone.maxpool",
            OnnxAttr.Ints("kernel_shape", k, k), OnnxAttr.Ints("pads", p, p, p, p), OnnxAttr.Ints("strides", s, s)),
            y.C, OutSize(y.H, k, s, p), OutSize(y.W, k, s, p));
        var outs = new List<Feat>();
        for (int stage = 0; stage < 4; stage++)
        {
            for (int b = 0; b < _cfg.Layers[stage]; b++) y = Block(y, $"backbone.layer{stage + 1}.{b}");
            if (stage > 0) outs.Add(y); // C3, C4, C5 (FPN start_level = 1)
        }
        return [.. outs];
    }

    private Feat Block(Feat x, string path)
    {
        int convs = _cfg.Block == BlockKind.Bottleneck ? 3 : 2;
        var y = x;
        for (int i = 1; i <= convs; i++)
        {
            y = ConvBn(y, $"{path}.conv{i}", $"{path}.bn{i}");
            if (i < convs) y = Relu(y);
        }
        var identity = _m.Contains(path + ".downsample") ? ConvBn(x, path + ".downsample.0", path + ".downsample.1") : x;
        return Relu(y with { Name = _g.Add(y.Name, identity.Name, path + ".residual") });
    }

    // ------------------------------------------------------------------ FPN (spec §1.2)

    private Feat[] Neck(Feat[] c)
    {
        var lat = new Feat[3];
        for (int i = 0; i < 3; i++) lat[i] = ConvModule(c[i], $"neck.lateral_convs.{i}", relu: false);
        for (int i = 2; i > 0; i--)
        {
            var up = _g.ResizeNearest(lat[i].Name, lat[i - 1].H, lat[i - 1].W, $"neck.top_down.{i}");
            lat[i - 1] = lat[i - 1] with { Name = _g.Add(lat[i - 1].Name, up, $"neck.merged.{i - 1}") };
        }
        var p = new Feat[5];
        for (int i = 0; i < 3; i++) p[i] = ConvModule(lat[i], $"neck.fpn_convs.{i}", relu: false);
        p[3] = ConvModule(p[2], "neck.fpn_convs.3", relu: false);
        p[4] = ConvModule(p[3], "neck.fpn_convs.4", relu: false);
        return p;
    }

    // ------------------------------------------------------------------ heads

    /// <summary>Casts a head output to float32 for decoding (no-op in fp32 exports).</summary>
    private string F32(string x) => _g.CastIfNeeded(x, _g.ComputeType, DataType.Float, x + ".f32");

    private (string Boxes, string Scores) THead(Feat[] levels)
    {
        const string h = "bbox_head";
        var boxes = new List<string>();
        var scores = new List<string>();
        var (offW, offB) = BoxEmitter.OffsetConvToXy(_m.Conv($"{h}.reg_offset_module.2").weight, _m.Conv($"{h}.reg_offset_module.2").bias!);
        using (offW) using (offB)
        {
            for (int l = 0; l < levels.Length; l++)
            {
                string lv = $"{h}.p{l + 3}";
                var y = levels[l];
                var inter = new List<Feat>();
                for (int k = 0; k < _cfg.StackedConvs; k++)
                {
                    y = ConvModule(y, $"{h}.inter_convs.{k}", relu: true, hint: $"{lv}.inter{k}");
                    inter.Add(y);
                }
                var xInter = new Feat(_g.Concat([.. inter.Select(f => f.Name)], 1, $"{lv}.x_inter"), y.C * inter.Count, y.H, y.W);
                var pooled = _g.GlobalAveragePool(xInter.Name, $"{lv}.x_inter_avg");
                var zCls = Decomposition(xInter, pooled, $"{h}.cls_decomp", y.C, $"{lv}.cls");
                var zReg = Decomposition(xInter, pooled, $"{h}.reg_decomp", y.C, $"{lv}.reg");

                // spec §2.2 step 4: score = sqrt(σ(cls)·σ(M)), M from the undecomposed X_inter.
                var cls = F32(Conv(zCls, $"{h}.tood_cls", $"{lv}.cls_logits").Name);
                var probHidden = Relu(Conv(xInter, $"{h}.cls_prob_module.0", $"{lv}.prob_hidden"));
                var prob = F32(Conv(probHidden, $"{h}.cls_prob_module.2", $"{lv}.prob_logits").Name);
                var score = _g.Sqrt(_g.Mul(_g.Sigmoid(cls, $"{lv}.cls_sigmoid"), _g.Sigmoid(prob, $"{lv}.prob_sigmoid"), $"{lv}.score_product"), $"{lv}.score");

                // spec §2.2 steps 5-6.
                var reg = F32(Conv(zReg, $"{h}.tood_reg", $"{lv}.reg_logits").Name);
                var box = _g.DecodeDistances(reg, _m.ScaleValue($"{h}.scales.{l}"), y.H, y.W, $"{lv}.box");
                var offHidden = Relu(Conv(xInter, $"{h}.reg_offset_module.0", $"{lv}.offset_hidden"));
                var offConv = _m.Conv($"{h}.reg_offset_module.2");
                var offsets = F32(Conv(offHidden, $"{h}.reg_offset_module.2.xy", offW, offB, offConv, $"{lv}.offsets").Name);
                var aligned = _g.AlignBoxes(box, offsets, y.H, y.W, $"{lv}.aligned");
                if (_cfg.ReplaceInvertedBoxes) aligned = ReplaceInverted(aligned, box, $"{lv}.aligned_valid");

                boxes.Add(_g.FlattenLevel(aligned, 4, y.H, y.W, _cfg.Strides[l], $"{lv}.boxes_px"));
                scores.Add(_g.FlattenLevel(score, _cfg.NumClasses, y.H, y.W, null, $"{lv}.scores"));
            }
        }
        return (_g.ConcatLevels(boxes, ModelContract.BoxesName), _g.ConcatLevels(scores, ModelContract.ScoresName));
    }

    /// <summary>spec §2.2 step 3: layer attention over X_inter, then reduction conv + GN + ReLU.</summary>
    private Feat Decomposition(Feat xInter, string pooled, string path, long channels, string hint)
    {
        var fc1 = _m.Conv(path + ".layer_attention.0");
        var fc2 = _m.Conv(path + ".layer_attention.2");
        var layers = xInter.C / channels;
        var xTask = _g.LayerAttention(xInter.Name, pooled, path, fc1.weight, fc1.bias!, fc2.weight, fc2.bias!, layers, channels, xInter.H, xInter.W);
        return ConvModule(xInter with { Name = xTask }, path + ".reduction_conv", relu: true, hint: hint + "_reduced");
    }

    /// <summary>
    /// mmdet TOODHead: where the aligned box is inverted (x1 &gt; x2 or y1 &gt; y2) the unaligned box is used
    /// (<see cref="BoxAlignment.ReplaceInverted"/>).
    /// </summary>
    private string ReplaceInverted(string aligned, string unaligned, string hint)
    {
        var lo = _g.Node("Slice", [aligned, _g.ShapeConstant([0]), _g.ShapeConstant([2]), _g.ShapeConstant([1])], hint + ".x1y1");
        var hi = _g.Node("Slice", [aligned, _g.ShapeConstant([2]), _g.ShapeConstant([4]), _g.ShapeConstant([1])], hint + ".x2y2");
        var inverted = _g.Node("Greater", [lo, hi], hint + ".inverted_xy");                    // [N,2,H,W]
        var invX = _g.Node("Slice", [inverted, _g.ShapeConstant([0]), _g.ShapeConstant([1]), _g.ShapeConstant([1])], hint + ".inverted_x");
        var invY = _g.Node("Slice", [inverted, _g.ShapeConstant([1]), _g.ShapeConstant([2]), _g.ShapeConstant([1])], hint + ".inverted_y");
        var invalid = _g.Node("Or", [invX, invY], hint + ".invalid");                           // [N,1,H,W]
        return _g.Node("Where", [invalid, unaligned, aligned], hint);
    }

    private (string Boxes, string Scores) ParallelHead(Feat[] levels)
    {
        const string h = "bbox_head";
        var boxes = new List<string>();
        var scores = new List<string>();
        for (int l = 0; l < levels.Length; l++)
        {
            string lv = $"{h}.p{l + 3}";
            Feat cls = levels[l], reg = levels[l];
            for (int k = 0; k < _cfg.StackedConvs; k++)
            {
                cls = ConvModule(cls, $"{h}.cls_convs.{k}", relu: true, hint: $"{lv}.cls_tower{k}");
                reg = ConvModule(reg, $"{h}.reg_convs.{k}", relu: true, hint: $"{lv}.reg_tower{k}");
            }
            var clsLogits = F32(Conv(cls, $"{h}.atss_cls", $"{lv}.cls_logits").Name);
            var ctrLogits = F32(Conv(reg, $"{h}.atss_centerness", $"{lv}.centerness_logits").Name);
            // mmdet ATSS test-time score: σ(cls)·σ(centerness) (DetectorOutput.InferenceScores).
            var score = _g.Mul(_g.Sigmoid(clsLogits, $"{lv}.cls_sigmoid"), _g.Sigmoid(ctrLogits, $"{lv}.centerness_sigmoid"), $"{lv}.score");
            var regLogits = F32(Conv(reg, $"{h}.atss_reg", $"{lv}.reg_logits").Name);
            var box = _g.DecodeDistances(regLogits, _m.ScaleValue($"{h}.scales.{l}"), reg.H, reg.W, $"{lv}.box");
            boxes.Add(_g.FlattenLevel(box, 4, reg.H, reg.W, _cfg.Strides[l], $"{lv}.boxes_px"));
            scores.Add(_g.FlattenLevel(score, _cfg.NumClasses, reg.H, reg.W, null, $"{lv}.scores"));
        }
        return (_g.ConcatLevels(boxes, ModelContract.BoxesName), _g.ConcatLevels(scores, ModelContract.ScoresName));
    }
}
