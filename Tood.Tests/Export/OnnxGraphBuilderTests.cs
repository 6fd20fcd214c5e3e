using Tood.Train.Export;
using Tood.Train.Export.Onnx;
using Xunit;
using DataType = Tood.Train.Export.Onnx.TensorProto.Types.DataType;

namespace Tood.Tests.Export;

public class OnnxGraphBuilderTests
{
    private static byte[] SmallModel()
    {
        var g = new OnnxGraphBuilder("t");
        g.AddInput("x", DataType.Float, OnnxDim.Symbolic("N"), 4);
        var y = g.Mul("x", g.Float32Constant("k", [1f, 2f, 3f, 4f], 4));
        g.Node("GridSample", [g.Reshape(y, [-1, 1, 2, 2]), g.Float32Constant("grid", new float[8], 1, 2, 2, 2)], "out",
            OnnxAttr.Int("align_corners", 0), OnnxAttr.String("mode", "bilinear"), OnnxAttr.String("padding_mode", "zeros"));
        g.AddOutput("out", DataType.Float, OnnxDim.Symbolic("N"), 1, 2, 2);
        return OnnxModelFile.ToBytes(g.ToModel([new("b", "2"), new("a", "1")], "1"));
    }

    [Fact]
    public void Same_calls_give_identical_bytes() => Assert.Equal(SmallModel(), SmallModel());

    [Fact]
    public void Zero_valued_attributes_and_types_are_serialized_explicitly()
    {
        var m = ModelProto.Parser.ParseFrom(SmallModel());
        var a = m.Graph.Node.Single(n => n.OpType == "GridSample").Attribute.Single(x => x.Name == "align_corners");
        Assert.True(a.HasI); // proto3 `optional`: present on the wire although 0
        Assert.Equal(0, a.I);
        Assert.Equal(AttributeProto.Types.AttributeType.Int, a.Type);
        Assert.Equal(["b", "a"], m.MetadataProps.Select(p => p.Key)); // order as given, not sorted/hashed
        Assert.Equal(OnnxGraphBuilder.IrVersion, m.IrVersion);
    }

    [Fact]
    public void Ops_outside_the_portable_list_are_rejected()
    {
        var g = new OnnxGraphBuilder("t");
        g.AddInput("x", DataType.Float, 1);
        var e = Assert.Throws<InvalidOperationException>(() => g.Node("DeformConv", ["x"], "y"));
        Assert.Contains("SupportedOps", e.Message);
    }

    [Fact]
    public void Undefined_inputs_and_conflicting_initializers_are_rejected()
    {
        var g = new OnnxGraphBuilder("t");
        Assert.Throws<InvalidOperationException>(() => g.Node("Relu", ["missing"], "y"));
        g.Float32Constant("w", [1f], 1);
        Assert.Equal("w", g.Float32Constant("w", [1f], 1)); // identical contents: shared
        Assert.Throws<InvalidOperationException>(() => g.Float32Constant("w", [2f], 1));
    }

    [Fact]
    public void Float16_weights_are_rounded_to_nearest_half()
    {
        var g = new OnnxGraphBuilder("t", OnnxPrecision.Float16);
        g.Weight("w", [1f / 3f, 65504f], 2);
        var t = g.Initializers.Single();
        Assert.Equal((int)DataType.Float16, t.DataType);
        var bytes = t.RawData.ToByteArray();
        Assert.Equal((Half)(1f / 3f), BitConverter.ToHalf(bytes, 0));
        Assert.Equal((Half)65504f, BitConverter.ToHalf(bytes, 2));
    }
}
