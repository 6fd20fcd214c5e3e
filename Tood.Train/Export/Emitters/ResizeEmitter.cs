namespace Tood.Train.Export.Emitters;

/// <summary>
/// Nearest-neighbour upsampling to an exact size (FPN top-down path, spec §1 item 2), matching
/// torch interpolate(mode=nearest, size=…): src = floor(dst·in/out). ONNX Resize-13 with
/// coordinate_transformation_mode=asymmetric and nearest_mode=floor computes the same index.
/// The size is given through `sizes` [N, C, outH, outW]; N and C are taken from Shape(x) so the
/// batch stays dynamic (opset 17 Resize has no `axes`).
/// </summary>
internal static class ResizeEmitter
{
    public static string ResizeNearest(this OnnxGraphBuilder g, string x, long outHeight, long outWidth, string hint = "upsample")
    {
        var shape = g.Node("Shape", [x], hint + ".shape");
        var nc = g.Node("Slice", [shape, g.ShapeConstant([0]), g.ShapeConstant([2])], hint + ".nc");
        var sizes = g.Concat([nc, g.ShapeConstant([outHeight, outWidth])], 0, hint + ".sizes");
        return g.Node("Resize", [x, "", "", sizes], hint,
            OnnxAttr.String("coordinate_transformation_mode", "asymmetric"),
            OnnxAttr.String("mode", "nearest"),
            OnnxAttr.String("nearest_mode", "floor"));
    }
}
