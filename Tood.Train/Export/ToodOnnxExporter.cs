using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tood.Realtime.Inference;
using Tood.Train.Export.Onnx;
using Tood.Train.Model;
using TorchSharp;

namespace Tood.Train.Export;

/// <summary>What an export produced.</summary>
public sealed record ExportSummary(string Path, long Bytes, int Nodes, int Initializers, long Anchors, TimeSpan Elapsed);

/// <summary>
/// Exports a <see cref="ToodDetector"/> to a self-contained ONNX model (opset <see cref="OnnxGraphBuilder.Opset"/>)
/// that follows the runtime contract (<see cref="ModelContract"/>): uint8 BGR images in, boxes in input
/// pixels and scores out, preprocessing inside the graph, metadata for the runtime in metadata_props.
/// The output is a pure function of the weights, metadata and options (byte-identical on re-export).
/// </summary>
public static class ToodOnnxExporter
{
    /// <summary>Bumped whenever the emitted graph changes for the same weights.</summary>
    public const string ExporterVersion = "tood-onnx-exporter/1";

    /// <summary>Exports the model in <paramref name="checkpointPath"/> to <paramref name="outputPath"/> (atomic write).</summary>
    public static ExportSummary ExportCheckpoint(string checkpointPath, string outputPath, ExportOptions options)
    {
        using var loaded = Checkpoint.Load(checkpointPath);
        return Export(loaded.Model, loaded.Meta, options, outputPath);
    }

    public static ExportSummary Export(ToodDetector model, CheckpointMeta meta, ExportOptions options, string outputPath)
    {
        var sw = Stopwatch.StartNew();
        var proto = Build(model, meta, options);
        OnnxModelFile.WriteAtomic(outputPath, proto);
        sw.Stop();
        return new ExportSummary(Path.GetFullPath(outputPath), new FileInfo(outputPath).Length, proto.Graph.Node.Count,
            proto.Graph.Initializer.Count, Priors.Count(options.InputHeight, options.InputWidth, model.Config.Strides), sw.Elapsed);
    }

    /// <summary>The serialized model (what <see cref="Export"/> writes).</summary>
    public static byte[] ExportToBytes(ToodDetector model, CheckpointMeta meta, ExportOptions options) =>
        OnnxModelFile.ToBytes(Build(model, meta, options));

    internal static ModelProto Build(ToodDetector model, CheckpointMeta meta, ExportOptions options)
    {
        options.Validate();
        if (meta.Mean.Count != 3 || meta.Std.Count != 3) throw new ArgumentException("checkpoint mean/std must have 3 values (RGB)");
        using var noGrad = torch.no_grad();
        var g = new OnnxGraphBuilder($"tood_{model.Config.Preset}_{model.Config.Head.ToName()}", options.Precision);
        ToodGraphEmitter.Emit(g, model, meta.Mean, meta.Std, options);
        var version = typeof(ToodOnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0";
        return g.ToModel(Metadata(model.Config, meta, options), version);
    }

    /// <summary>metadata_props in a fixed order (keys from <see cref="ModelContract.Keys"/>).</summary>
    internal static IEnumerable<KeyValuePair<string, string>> Metadata(ModelConfig cfg, CheckpointMeta meta, ExportOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        var names = meta.ClassNames.Count > 0 ? meta.ClassNames : [.. Enumerable.Range(0, cfg.NumClasses).Select(i => $"class{i}")];
        var ids = meta.CategoryIds.Count > 0 ? meta.CategoryIds : [.. Enumerable.Range(1, cfg.NumClasses)];
        if (names.Count != cfg.NumClasses) throw new ArgumentException($"checkpoint has {names.Count} class names for {cfg.NumClasses} classes");
        if (ids.Count != cfg.NumClasses) throw new ArgumentException($"checkpoint has {ids.Count} category ids for {cfg.NumClasses} classes");
        static string Floats(IEnumerable<float> v) => string.Join(',', v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
        var pad = Letterbox.PadBgr;
        yield return new(ModelContract.Keys.FormatVersion, ModelContract.FormatVersion);
        yield return new(ModelContract.Keys.ClassNames, JsonSerializer.Serialize(names));
        yield return new(ModelContract.Keys.CategoryIds, JsonSerializer.Serialize(ids));
        yield return new(ModelContract.Keys.InputWidth, o.InputWidth.ToString(inv));
        yield return new(ModelContract.Keys.InputHeight, o.InputHeight.ToString(inv));
        yield return new(ModelContract.Keys.Strides, string.Join(',', cfg.Strides.Select(s => s.ToString(inv))));
        yield return new(ModelContract.Keys.Mean, Floats(meta.Mean));
        yield return new(ModelContract.Keys.Std, Floats(meta.Std));
        yield return new(ModelContract.Keys.Preset, cfg.Preset);
        yield return new(ModelContract.Keys.NumClasses, cfg.NumClasses.ToString(inv));
        yield return new(ModelContract.Keys.Letterbox, string.Create(inv, $"top-left;pad={pad.B},{pad.G},{pad.R}"));
        yield return new(ModelContract.Keys.TrainingData, meta.TrainingData);
        yield return new(ModelContract.Keys.ExporterVersion, ExporterVersion);
        yield return new(ModelContract.Keys.Precision, o.Precision == OnnxPrecision.Float16 ? "fp16" : "fp32");
        yield return new(ModelContract.Keys.BatchMode, o.Batch is { } b ? b.ToString(inv) : "dynamic");
        yield return new("tood.head", cfg.Head.ToName());
    }
}
