using System.Diagnostics;
using System.Globalization;
using Tood.Realtime.Inference;
using Tood.Train.Export.Onnx;
using Tood.Train.Pretrained.Onnx;

namespace Tood.Train.Export.Quantize;

/// <summary>What an int8 export needs besides the model: the calibration images and how to read them.</summary>
public sealed record QuantizeOptions
{
    /// <summary>Dataset (YOLO data.yaml or folder, VOC folder, COCO .json needs images beside it) or images (file, folder, glob).</summary>
    public required string Calibration { get; init; }
    /// <summary>Split of a dataset: calibrate on training images, never on the split AP is reported on.</summary>
    public string Split { get; init; } = "train";
    public int Images { get; init; } = 64;
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;
    public IReadOnlyList<FloatRule> FloatLayers { get; init; } = Quantize.FloatLayers.Default;
    public Action<string>? Log { get; init; }
}

/// <summary>What an int8 export produced.</summary>
public sealed record QuantizeSummary(string Path, long Bytes, int QuantizedConvs, IReadOnlyList<(string Weight, FloatRule Rule)> FloatConvs,
    int Activations, int Images, string Source, CalibrationMethod Method, string FromPrecision, TimeSpan Elapsed);

/// <summary>
/// Static int8 quantization of an exported Tood graph: fp16 → fp32 (<see cref="OnnxFloat32"/>), plan
/// (<see cref="QuantizationPlan"/>), calibrate on real images through the deployment letterbox (<see cref="Calibrator"/>),
/// rewrite into QDQ (<see cref="QdqRewriter"/>), metadata <c>tood.precision=int8</c> with the calibration summary.
/// </summary>
public static class Int8Quantizer
{
    /// <summary>Quantizes the ONNX file <paramref name="inputPath"/> (fp32 or fp16, exported by tood-train) into <paramref name="outputPath"/>.</summary>
    public static QuantizeSummary QuantizeFile(string inputPath, string outputPath, QuantizeOptions options)
    {
        var model = OnnxTensors.ReadModel(inputPath);
        var q = Quantize(model, options, out var summary);
        // Which file this is the int8 of: a shipped int8 file can be checked against the fp16/fp32 file beside it.
        q.MetadataProps.Add(new StringStringEntryProto { Key = ModelContract.Keys.QuantizedFrom, Value = $"{System.IO.Path.GetFileName(inputPath)} sha256={Sha256(inputPath)}" });
        return Write(q, outputPath, summary);
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(fs));
    }

    /// <summary>Writes the fp32 graph of an fp32/fp16 export (the reference an int8 model is measured against); returns the full path.</summary>
    public static string WriteFloat32(string inputPath, string outputPath)
    {
        var model = OnnxFloat32.Convert(OnnxTensors.ReadModel(inputPath));
        foreach (var p in model.MetadataProps.Where(p => p.Key == ModelContract.Keys.Precision)) p.Value = "fp32";
        OnnxModelFile.WriteAtomic(outputPath, model);
        return System.IO.Path.GetFullPath(outputPath);
    }

    /// <summary>Quantizes a model built in memory (<c>tood-train export --int8</c>).</summary>
    internal static QuantizeSummary QuantizeModel(ModelProto model, string outputPath, QuantizeOptions options) =>
        Write(Quantize(model, options, out var summary), outputPath, summary);

    private static QuantizeSummary Write(ModelProto model, string outputPath, QuantizeSummary summary)
    {
        OnnxModelFile.WriteAtomic(outputPath, model);
        return summary with { Path = System.IO.Path.GetFullPath(outputPath), Bytes = new FileInfo(outputPath).Length };
    }

    internal static ModelProto Quantize(ModelProto model, QuantizeOptions o, out QuantizeSummary summary)
    {
        var sw = Stopwatch.StartNew();
        var meta = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var info = ModelInfo.FromMetadata("model", meta); // Tood metadata is required: input size, classes
        if (info.Precision == "int8") throw new InvalidDataException("the model is already int8; quantize its fp32 or fp16 export");
        var fp32 = OnnxFloat32.Convert(model);
        var plan = QuantizationPlan.Create(fp32.Graph, o.FloatLayers);
        if (plan.Convs.Count == 0) throw new InvalidDataException("no convolution is left to quantize (every conv matches --float-layers)");
        var set = CalibrationSet.Load(o.Calibration, o.Split, o.Images, info.InputWidth, info.InputHeight, o.Log);
        o.Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"calibration: {set.Images.Count} images of {set.Source} ({set.Available} available), {plan.Tensors.Count} activations, method {o.Method.Name()}"));
        var stats = Calibrator.Collect(fp32, plan.Tensors, set, o.Method, o.Log);
        var ranges = stats.ToDictionary(kv => kv.Key, kv => RangeEstimator.Range(kv.Value, o.Method), StringComparer.Ordinal);
        var q = QdqRewriter.Rewrite(fp32, plan, ranges);
        q.ProducerVersion = model.ProducerVersion;
        q.MetadataProps.Clear();
        foreach (var (k, v) in Metadata(meta, plan, set, o)) q.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        summary = new QuantizeSummary("", 0, plan.Convs.Count, plan.FloatConvs, plan.Tensors.Count, set.Images.Count, set.Source, o.Method, info.Precision, sw.Elapsed);
        return q;
    }

    /// <summary>The input model's metadata in its order, precision set to int8, then the quantization and calibration summaries.</summary>
    private static IEnumerable<KeyValuePair<string, string>> Metadata(Dictionary<string, string> source, QuantizationPlan plan, CalibrationSet set, QuantizeOptions o)
    {
        foreach (var (k, v) in source)
            if (k is not (ModelContract.Keys.Quantization or ModelContract.Keys.Calibration or ModelContract.Keys.QuantizedFrom))
                yield return new(k, k == ModelContract.Keys.Precision ? "int8" : v);
        var floatConvs = string.Join(", ", plan.FloatConvs.Select(f => f.Weight.Replace(".weight", "", StringComparison.Ordinal)));
        yield return new(ModelContract.Keys.Quantization, string.Create(CultureInfo.InvariantCulture,
            $"static QDQ from {source.GetValueOrDefault(ModelContract.Keys.Precision, "fp32")} weights; {plan.Convs.Count} convs int8 (weights int8 per-channel symmetric, activations uint8 per-tensor asymmetric, bias int32); float convs: {(floatConvs.Length > 0 ? floatConvs : "none")}; preprocessing and box/score decoding float"));
        var method = o.Method == CalibrationMethod.Percentile ? $"percentile {RangeEstimator.Percentile.ToString(CultureInfo.InvariantCulture)}" : o.Method.Name();
        yield return new(ModelContract.Keys.Calibration, string.Create(CultureInfo.InvariantCulture,
            $"method={method}; images={set.Images.Count} of {set.Available}; data={set.Source}; letterbox {set.Width}x{set.Height} as deployed{(set.Unreadable > 0 ? $"; {set.Unreadable} unreadable skipped" : "")}"));
    }
}
