using Tood.Realtime.Inference;
using DataType = Tood.Train.Export.Onnx.TensorProto.Types.DataType;

namespace Tood.Train.Export.Emitters;

/// <summary>
/// In-graph preprocessing (ONNX contract, <see cref="ModelContract"/>): uint8 [N,H,W,3] BGR →
/// float32 → RGB (Gather [2,1,0] on the channel axis) → (x − mean)/std folded into one Mul (1/std)
/// and one Add (−mean/std) → NCHW. Runs in float32 even for fp16 exports; the Cast to the compute
/// type comes last.
/// </summary>
internal static class PreprocessEmitter
{
    public static string Preprocess(this OnnxGraphBuilder g, string images, IReadOnlyList<float> meanRgb, IReadOnlyList<float> stdRgb)
    {
        if (meanRgb.Count != 3 || stdRgb.Count != 3) throw new ArgumentException("mean/std need 3 values (RGB)");
        var f = g.Cast(images, DataType.Float, "pre.float");
        var rgb = g.Node("Gather", [f, g.ShapeConstant([2, 1, 0])], "pre.rgb", OnnxAttr.Int("axis", 3));
        var invStd = new float[3];
        var shift = new float[3];
        for (int c = 0; c < 3; c++)
        {
            invStd[c] = (float)(1.0 / stdRgb[c]);
            shift[c] = (float)(-meanRgb[c] / (double)stdRgb[c]);
        }
        var scaled = g.Mul(rgb, g.Float32Constant("pre.inv_std", invStd, 3), "pre.scaled");
        var normed = g.Add(scaled, g.Float32Constant("pre.shift", shift, 3), "pre.normalized");
        var nchw = g.Transpose(normed, [0, 3, 1, 2], "pre.nchw");
        return g.CastIfNeeded(nchw, DataType.Float, g.ComputeType, "pre.compute");
    }
}
