using Tood.Train.Export.Quantize;
using Xunit;

namespace Tood.Tests.Export.Quantize;

/// <summary>The arithmetic of int8 quantization: encodings and calibration ranges.</summary>
public class CalibrationMathTests
{
    [Fact]
    public void Relu_ranges_get_zero_point_0_and_signed_ranges_represent_zero_exactly()
    {
        var (s, zp) = QuantParams.Activation(0, 5.1f);
        Assert.Equal(0, zp); // ORT drops a ReLU before a QuantizeLinear whose zero point is the minimum
        Assert.Equal(0.02f, s, 6);
        (s, zp) = QuantParams.Activation(-1f, 3f);
        Assert.Equal(64, zp);
        Assert.InRange(zp * s, 0.99f, 1.01f); // the code 0 is ≈ -1; the zero point itself dequantizes to exactly 0
        Assert.Equal((1f, (byte)0), QuantParams.Activation(0, 0));
    }

    [Fact]
    public void Weights_are_symmetric_per_output_channel_and_bias_uses_input_times_weight_scale()
    {
        float[] w = [1f, -0.4f, 0.25f, /* channel 1: */ 0.01f, 0.03f, -0.04f];
        var (q, scales) = QuantParams.Weights(w, 2);
        Assert.Equal([127, -51, 32, 32, 95, -127], q.Select(v => (int)v));
        Assert.Equal(1f / 127, scales[0], 7);
        Assert.Equal(0.04f / 127, scales[1], 7);
        var (b, bScales) = QuantParams.Bias([0.5f, -0.001f], 0.1f, scales);
        Assert.Equal(0.1f * scales[0], bScales[0]);
        Assert.Equal((int)Math.Round(0.5 / (0.1 * scales[0])), b[0]);
        Assert.Equal((int)Math.Round(-0.001 / (0.1 * (double)scales[1])), b[1]);
    }

    [Fact]
    public void Minmax_keeps_everything_percentile_and_entropy_clip_a_rare_outlier()
    {
        var s = new TensorStats("x");
        var rng = new Random(1);
        var data = Enumerable.Range(0, 200_000).Select(_ => MathF.Abs((float)Gaussian(rng))).ToArray(); // a ReLU-like tensor
        data[0] = 40f;                                                                                      // one outlier
        s.AddRange(data);
        s.AddHistogram(data);
        Assert.Equal((0f, 40f), RangeEstimator.Range(s, CalibrationMethod.MinMax));
        var (plo, phi) = RangeEstimator.Range(s, CalibrationMethod.Percentile);
        Assert.Equal(0f, plo);
        Assert.InRange(phi, 3.5f, 5f); // |N(0,1)| at 99.99 % is 3.9
        var (elo, ehi) = RangeEstimator.Range(s, CalibrationMethod.Entropy);
        Assert.Equal(0f, elo);
        Assert.InRange(ehi, 2f, 6f);
    }

    [Fact]
    public void Signed_tensors_keep_zero_inside_the_range()
    {
        var s = new TensorStats("x");
        float[] data = [-2f, -1f, 0.5f, 3f];
        s.AddRange(data);
        s.AddHistogram(data);
        var (lo, hi) = RangeEstimator.Range(s, CalibrationMethod.MinMax);
        Assert.Equal((-2f, 3f), (lo, hi));
        s = new TensorStats("positive");
        s.AddRange([1f, 2f]);
        Assert.Equal((0f, 2f), RangeEstimator.Range(s, CalibrationMethod.MinMax));
    }

    [Theory]
    [InlineData("minmax", CalibrationMethod.MinMax)]
    [InlineData("Percentile", CalibrationMethod.Percentile)]
    [InlineData("entropy", CalibrationMethod.Entropy)]
    public void Method_names_parse(string text, CalibrationMethod expected)
    {
        Assert.True(CalibrationMethods.TryParse(text, out var m));
        Assert.Equal(expected, m);
        Assert.False(CalibrationMethods.TryParse("kl", out _));
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
