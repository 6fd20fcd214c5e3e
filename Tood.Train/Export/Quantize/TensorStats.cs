namespace Tood.Train.Export.Quantize;

/// <summary>
/// What calibration saw of one activation: its minimum and maximum (first pass), then, for the percentile and entropy
/// methods, two histograms over the range the first pass found (second pass): of the values, for percentiles, and of
/// their magnitudes, for entropy (TensorRT's calibration works on |x|).
/// </summary>
internal sealed class TensorStats(string name)
{
    /// <summary>Bins of each histogram (TensorRT uses 2048).</summary>
    public const int Bins = 2048;

    public string Name { get; } = name;
    public float Min { get; private set; } = float.PositiveInfinity;
    public float Max { get; private set; } = float.NegativeInfinity;
    public long Count { get; private set; }
    public long[]? Values { get; private set; }
    public long[]? Magnitudes { get; private set; }

    /// <summary>True once at least one value was seen.</summary>
    public bool Seen => Count > 0;

    public float AbsMax => Math.Max(Math.Abs(Min), Math.Abs(Max));

    public void AddRange(ReadOnlySpan<float> data)
    {
        float lo = Min, hi = Max;
        foreach (var v in data)
        {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        Min = lo; Max = hi;
        Count += data.Length;
    }

    /// <summary>Second pass: histograms over [Min, Max] (values) and [0, AbsMax] (magnitudes); values outside (a
    /// second pass never sees any, the images are the same) land in the end bins.</summary>
    public void AddHistogram(ReadOnlySpan<float> data)
    {
        if (!Seen) return;
        Values ??= new long[Bins];
        Magnitudes ??= new long[Bins];
        float width = Max - Min, absMax = AbsMax;
        float vScale = width > 0 ? Bins / width : 0, mScale = absMax > 0 ? Bins / absMax : 0;
        foreach (var v in data)
        {
            Values[Math.Clamp((int)((v - Min) * vScale), 0, Bins - 1)]++;
            Magnitudes[Math.Clamp((int)(Math.Abs(v) * mScale), 0, Bins - 1)]++;
        }
    }
}
