using Tood.Train.Common;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Common;

/// <summary>The shape checks behind the trainer's argument errors: named dims match any size, the message shows both shapes.</summary>
public class ShapesTests
{
    [Fact]
    public void Require_names_the_expected_and_the_actual_shape()
    {
        using var t = zeros(2, 5);
        Shapes.Require(t, "boxes", "b", 2, "N");
        var e = Assert.Throws<ArgumentException>(() => Shapes.Require(t, "boxes", "b", "N", 4));
        Assert.Equal("boxes must be [N,4], got [2,5] (Parameter 'b')", e.Message);
        Assert.Equal("b", e.ParamName);
    }

    [Fact]
    public void Matches_needs_the_same_rank()
    {
        using var t = zeros(2, 5);
        Assert.True(Shapes.Matches(t, "B", 5));
        Assert.False(Shapes.Matches(t, 2, 5, 1));
        Assert.False(Shapes.Matches(t, 2));
        using var scalar = tensor(1f);
        Assert.Equal("[]", Shapes.Format(scalar));
        Assert.Equal("[1,3,64,64]", Shapes.FormatDims([1L, 3, 64, 64]));
    }
}
