using System.Globalization;
using System.Text.Json;
using Tood.Realtime.Inference;
using Tood.Train.Export;
using Tood.Train.Export.Onnx;
using Tood.Train.Model;
using Tood.Train.Pretrained.Onnx;
using static TorchSharp.torch;

namespace Tood.Train.Pretrained;

/// <summary>
/// A trained detector read back from an exported ONNX file: its architecture, classes, input normalisation
/// (RGB mean/std the graph's preprocessing applies) and a state dict for <c>new ToodDetector(Config)</c>
/// (same keys and shapes, float32 on the CPU). Owns the tensors of <see cref="State"/>.
/// </summary>
public sealed record DetectorWeights(ModelConfig Config, IReadOnlyList<string> ClassNames, IReadOnlyList<int> CategoryIds,
    IReadOnlyList<float> Mean, IReadOnlyList<float> Std, IReadOnlyDictionary<string, Tensor> State) : IDisposable
{
    public void Dispose()
    {
        foreach (var t in State.Values) t.Dispose();
    }
}

/// <summary>
/// Reads a detector that <see cref="ToodOnnxExporter"/> wrote back into TorchSharp weights, so fine-tuning can
/// start from a user's .onnx file when the checkpoint is gone. The exporter's graph is a pure function of the
/// weights (<see cref="ToodGraphEmitter"/>), and every transform it applies is inverted here (see
/// <c>OnnxDetectorWeights.State.cs</c>); loading <see cref="DetectorWeights.State"/> into a fresh model in
/// eval mode reproduces the file's outputs (to fp16 rounding for fp16 exports).
/// <para>The architecture comes from the metadata (preset, class count, head) through
/// <see cref="ModelPresets.Get"/>: a file whose strides or weight shapes do not fit that preset is refused.</para>
/// </summary>
public static partial class OnnxDetectorWeights
{
    /// <summary>Exporter versions whose graph layout this reader knows how to invert; a newer exporter may name or
    /// fold weights differently, which must fail loudly rather than load wrong weights.</summary>
    private static readonly string[] KnownExporters = [ToodOnnxExporter.ExporterVersion];

    /// <exception cref="FileNotFoundException"><paramref name="onnxPath"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">not an ONNX model, not one Tood exported, or not a preset model (one line naming the file).</exception>
    public static DetectorWeights Read(string onnxPath)
    {
        if (!File.Exists(onnxPath)) throw new FileNotFoundException($"ONNX model '{onnxPath}' not found", onnxPath);
        var file = Path.GetFileName(onnxPath);
        try
        {
            var model = OnnxTensors.ReadModel(onnxPath);
            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in model.MetadataProps) meta[p.Key] = p.Value;
            string Meta(string key) => meta.TryGetValue(key, out var v) ? v : throw NotTood(file, $"no metadata '{key}'");

            var exporter = Meta(ModelContract.Keys.ExporterVersion);
            if (!KnownExporters.Contains(exporter, StringComparer.Ordinal))
                throw new InvalidDataException($"{file}: written by '{exporter}'; this reader inverts graphs of {string.Join(", ", KnownExporters)} only");
            var config = ReadConfig(file, model.Graph, Meta);
            var names = JsonArray<string>(file, Meta, ModelContract.Keys.ClassNames);
            var ids = JsonArray<int>(file, Meta, ModelContract.Keys.CategoryIds);
            if (names.Length != config.NumClasses || ids.Length != config.NumClasses)
                throw new InvalidDataException($"{file}: {names.Length} class names and {ids.Length} category ids for {config.NumClasses} classes");
            var mean = Floats(file, Meta, ModelContract.Keys.Mean, 3);
            var std = Floats(file, Meta, ModelContract.Keys.Std, 3);
            var state = RecoverState(model.Graph, config, file);
            return new DetectorWeights(config, names, ids, mean, std, state);
        }
        catch (WeightsException e)
        {
            // OnnxTensors reports unreadable files and initializers this way; callers here expect InvalidDataException.
            throw new InvalidDataException(e.Message, e);
        }
    }

    private static InvalidDataException NotTood(string file, string reason) => new($"{file}: not a Tood-exported detector ({reason})");

    /// <summary>The preset the metadata names, checked against what the graph shows of it (strides, and whether
    /// inverted aligned boxes are replaced — a config field the graph encodes as Where nodes).</summary>
    private static ModelConfig ReadConfig(string file, GraphProto graph, Func<string, string> meta)
    {
        var preset = meta(ModelContract.Keys.Preset);
        if (!int.TryParse(meta(ModelContract.Keys.NumClasses), NumberStyles.None, CultureInfo.InvariantCulture, out var numClasses) || numClasses < 1)
            throw NotTood(file, $"metadata '{ModelContract.Keys.NumClasses}' is '{meta(ModelContract.Keys.NumClasses)}'");
        ModelConfig config;
        try
        {
            config = ModelPresets.Get(preset, numClasses, HeadKindNames.Parse(meta(HeadKey)));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{file}: {e.Message}; only models of a preset can be read back", e);
        }
        var strides = meta(ModelContract.Keys.Strides);
        if (strides != string.Join(',', config.Strides.Select(s => s.ToString(CultureInfo.InvariantCulture))))
            throw new InvalidDataException($"{file}: strides {strides} are not preset '{preset}''s {string.Join(',', config.Strides)}; only models of a preset can be read back");
        if (config.Head == HeadKind.TaskAligned)
            config = config with { ReplaceInvertedBoxes = graph.Node.Any(n => n.OpType == "Where") };
        return config;
    }

    /// <summary>metadata_props key of the head kind (written by <see cref="ToodOnnxExporter"/>, not part of the runtime contract).</summary>
    private const string HeadKey = "tood.head";

    private static T[] JsonArray<T>(string file, Func<string, string> meta, string key)
    {
        try
        {
            return JsonSerializer.Deserialize<T[]>(meta(key)) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw NotTood(file, $"metadata '{key}' is not a JSON array of {typeof(T).Name}");
        }
    }

    private static float[] Floats(string file, Func<string, string> meta, string key, int count)
    {
        var parts = meta(key).Split(',');
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw NotTood(file, $"metadata '{key}' is '{meta(key)}'");
        return values.Length == count ? values : throw NotTood(file, $"metadata '{key}' has {values.Length} values, expected {count}");
    }
}
