using Tood.Realtime.Evaluation;
using Xunit;

namespace Tood.Tests.Realtime.Evaluation;

public class CocoStatsTests
{
    private static readonly double[] s_values = [0.5625, 0.0625, 0.375, -1, 0.1234, 0.9999, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

    [Fact]
    public void Format_prints_the_pycocotools_summary_lines()
    {
        // '{:0.3f}' rounds the exact binary value half-to-even: 0.5625 → 0.562, 0.0625 → 0.062, 0.375 → 0.375,
        // 0.9999 → 1.000, −1 → -1.000.
        string expected = string.Join('\n',
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.562",
            " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.062",
            " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.375",
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000",
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.123",
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 1.000",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.200",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.300",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.400",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.500",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.600",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.700");
        Assert.Equal(expected, CocoStats.FromArray(s_values).Format());
    }

    [Theory]
    [InlineData(2.675, 2, "2.67")]   // 2.675d is 2.67499999999999982236431605997495353221893310546875
    [InlineData(0.125, 2, "0.12")]   // exact tie → even
    [InlineData(0.375, 2, "0.38")]   // exact tie → even
    [InlineData(0.95, 2, "0.95")]
    [InlineData(-0.0, 3, "-0.000")]
    [InlineData(-0.0004, 3, "-0.000")]
    [InlineData(12.5, 0, "12")]
    [InlineData(1e-320, 3, "0.000")] // subnormal
    public void Python_fixed_formatting(double v, int decimals, string expected) =>
        Assert.Equal(expected, PyFormat.Fixed(v, decimals));

    [Fact]
    public void Array_and_json_round_trip_in_pycocotools_order()
    {
        var s = CocoStats.FromArray(s_values);
        Assert.Equal(s_values, s.ToArray());
        Assert.Equal(0.0625, s.AP50);
        Assert.Equal(0.2, s.AR1);
        Assert.Equal(0.7, s.ARLarge);
        var json = s.ToJson();
        Assert.Contains("\"APs\": -1", json, StringComparison.Ordinal);
        Assert.Contains("\"AR100\": 0.4", json, StringComparison.Ordinal);
        Assert.Equal(s, CocoStats.FromJson(json));
        Assert.Throws<ArgumentException>(() => CocoStats.FromArray([1.0, 2.0]));
    }
}
