namespace Tood.Train.Export.Quantize;

/// <summary>
/// The integer encodings the int8 graph uses (ONNX QuantizeLinear: q = saturate(round(x / scale) + zero_point)).
/// Activations: per-tensor asymmetric uint8 — x86 CPUs multiply uint8 activations by int8 weights natively (VNNI
/// vpdpbusd, AVX2 vpmaddubsw), ORT's fastest CPU path (U8S8). Weights: per-output-channel symmetric int8 in
/// [−127, 127], zero point 0. Biases: int32 with scale = input scale × weight scale, zero point 0 (what
/// QLinearConv adds to its int32 accumulator).
/// </summary>
internal static class QuantParams
{
    /// <summary>uint8 scale and zero point for [lo, hi] (lo ≤ 0 ≤ hi). A tensor that was always 0 gets scale 1.</summary>
    public static (float Scale, byte ZeroPoint) Activation(float lo, float hi)
    {
        lo = Math.Min(lo, 0); hi = Math.Max(hi, 0);
        if (hi - lo <= 0) return (1f, 0);
        float scale = (hi - lo) / 255f;
        int zp = (int)MathF.Round(-lo / scale);
        return (scale, (byte)Math.Clamp(zp, 0, 255));
    }

    /// <summary>Per-output-channel symmetric int8 of a [Co, ...] weight: (values, scales).</summary>
    public static (sbyte[] Values, float[] Scales) Weights(ReadOnlySpan<float> w, int outChannels)
    {
        int per = w.Length / outChannels;
        var q = new sbyte[w.Length];
        var scales = new float[outChannels];
        for (int c = 0; c < outChannels; c++)
        {
            var row = w.Slice(c * per, per);
            float absMax = 0;
            foreach (var v in row) absMax = Math.Max(absMax, Math.Abs(v));
            float s = absMax > 0 ? absMax / 127f : 1f;
            scales[c] = s;
            for (int k = 0; k < per; k++) q[c * per + k] = (sbyte)Math.Clamp((int)MathF.Round(row[k] / s), -127, 127);
        }
        return (q, scales);
    }

    /// <summary>int32 bias and its per-channel scale (input scale × weight scale).</summary>
    public static (int[] Values, float[] Scales) Bias(ReadOnlySpan<float> b, float inputScale, float[] weightScales)
    {
        var q = new int[b.Length];
        var scales = new float[b.Length];
        for (int c = 0; c < b.Length; c++)
        {
            scales[c] = inputScale * weightScales[c];
            double v = Math.Round(b[c] / (double)scales[c]);
            q[c] = (int)Math.Clamp(v, int.MinValue + 1, int.MaxValue);
        }
        return (q, scales);
    }
}
