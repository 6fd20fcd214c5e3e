namespace Tood.Train.Export.Quantize;

/// <summary>How an activation's int8 range is chosen from what the fp32 model produced on the calibration images.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum: nothing is clipped, rare outliers stretch the step size.</summary>
    MinMax,
    /// <summary>The <see cref="RangeEstimator.Percentile"/>th percentile of each tail: the rarest values are clipped.</summary>
    Percentile,
    /// <summary>TensorRT's entropy calibration: the clipping threshold whose quantized histogram is closest (KL
    /// divergence) to the fp32 one.</summary>
    Entropy,
}

public static class CalibrationMethods
{
    public static string Name(this CalibrationMethod m) => m switch
    {
        CalibrationMethod.MinMax => "minmax",
        CalibrationMethod.Percentile => "percentile",
        _ => "entropy",
    };

    public static bool TryParse(string text, out CalibrationMethod method)
    {
        foreach (var m in Enum.GetValues<CalibrationMethod>())
            if (string.Equals(m.Name(), text, StringComparison.OrdinalIgnoreCase)) { method = m; return true; }
        method = default;
        return false;
    }
}
