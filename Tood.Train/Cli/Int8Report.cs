using System.Globalization;
using Tood.Train.Export.Quantize;

namespace Tood.Train.Cli;

/// <summary>The line <c>quantize</c> and <c>export --int8</c> print for the file they wrote.</summary>
internal static class Int8Report
{
    public static string Line(QuantizeSummary s) => string.Create(CultureInfo.InvariantCulture,
        $"int8 model {s.Path}: {s.QuantizedConvs} convs int8, {s.FloatConvs.Count} conv weights float ({string.Join(", ", s.FloatConvs.Select(f => f.Rule.Pattern).Distinct())}), {s.Activations} activations calibrated ({s.Method.Name()}) on {s.Images} images of {s.Source}, from {s.FromPrecision}, {s.Bytes / 1e6:F1} MB in {s.Elapsed.TotalSeconds:F1} s");
}
