using Tood.Train.Model;
using Xunit;

namespace Tood.Tests.Model;

public class ParameterCountTests
{
    // spec §2.1 "Parameter check": the T-Head of PAPER Table 1 (4.82 M) and the parallel ATSS head (4.92 M).
    [Fact]
    public void R50_task_aligned_head_has_4_823_790_parameters_and_torchvision_backbone_size()
    {
        using var model = ToodDetector.Create("r50", 80);
        var c = model.CountParameters();
        Assert.Equal(4_823_790, c.Head);
        // torchvision resnet50 has 25,557,032 parameters; minus fc (2048·1000 + 1000).
        Assert.Equal(25_557_032 - 2_049_000, c.Backbone);
        // FPN: laterals 512/1024/2048→256 (+bias) and five 3×3 256→256 convs (+bias).
        long neck = (512 + 1024 + 2048) * 256 + 3 * 256 + 5 * (256 * 256 * 9 + 256);
        Assert.Equal(neck, c.Neck);
        Assert.Equal(3_868_672, c.Neck);
    }

    [Fact]
    public void R50_parallel_head_has_4_918_618_parameters()
    {
        using var model = ToodDetector.Create("r50", 80, HeadKind.Parallel);
        Assert.Equal(4_918_618, model.CountParameters().Head);
    }

    [Fact]
    public void R18_backbone_matches_torchvision_and_head_scales_with_width()
    {
        using var model = ToodDetector.Create("r18", 80);
        var c = model.CountParameters();
        Assert.Equal(11_689_512 - 513_000, c.Backbone); // torchvision resnet18 minus fc
        Assert.Equal((128 + 256 + 512) * 128 + 3 * 128 + 5 * (128 * 128 * 9 + 128), c.Neck);
        Assert.Equal(ExpectedTHead(128, 4, 80, 5), c.Head);
    }

    [Theory]
    [InlineData(256, 6, 80)]
    [InlineData(64, 3, 3)]
    [InlineData(128, 2, 20)]
    public void T_head_count_follows_the_layer_table_for_any_width_and_depth(int c, int n, int k)
    {
        using var head = new THead(ModelPresets.Tiny(k) with { FpnChannels = c, StackedConvs = n, GnGroups = 16 });
        Assert.Equal(ExpectedTHead(c, n, k, 5), head.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Frozen_stem_and_layer1_are_not_trainable_for_r50_but_everything_trains_for_tiny()
    {
        using var r50 = ToodDetector.Create("r50", 80);
        // stem conv 64·3·7·7 + bn1 128 + torchvision layer1 215,808
        Assert.Equal(r50.CountParameters().Total - (9_408 + 128 + 215_808), r50.TrainableParameters());
        using var tiny = ToodDetector.Create("tiny", 3);
        Assert.Equal(tiny.CountParameters().Total, tiny.TrainableParameters());
    }

    // spec §2.1 table, generalised: C feature channels, N stacked convs, K classes, L levels.
    private static long ExpectedTHead(long c, long n, long k, long levels)
    {
        long inter = n * (c * c * 9 + 2 * c);
        long decomp = (c * n * (c / 8) + c / 8) + (c / 8 * n + n) + (c * n * c + 2 * c);
        long cls = c * k * 9 + k, reg = c * 4 * 9 + 4;
        long prob = (c * n * (c / 4) + c / 4) + (c / 4 * 9 + 1);
        long offset = (c * n * (c / 4) + c / 4) + (c / 4 * 8 * 9 + 8);
        return inter + 2 * decomp + cls + reg + prob + offset + levels;
    }
}
