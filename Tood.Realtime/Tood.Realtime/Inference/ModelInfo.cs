using System.Globalization;
using System.Text.Json;

namespace Tood.Realtime.Inference;

/// <summary>Model facts read from the ONNX metadata_props (<see cref="ModelContract.Keys"/>).</summary>
public sealed record ModelInfo(
    string Path,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<int> CategoryIds,
    int InputWidth,
    int InputHeight,
    IReadOnlyList<int> Strides,
    string Preset,
    string Precision,
    /// <summary>Batch size fixed by the graph, or null when the batch dimension is dynamic.</summary>
    int? FixedBatch,
    IReadOnlyDictionary<string, string> Metadata)
{
    public int NumClasses => ClassNames.Count;

    /// <summary>Parses and checks the metadata map; throws <see cref="ModelContractException"/> naming the file and key.</summary>
    public static ModelInfo FromMetadata(string path, IReadOnlyDictionary<string, string> meta)
    {
        string name = System.IO.Path.GetFileName(path);
        if (!meta.TryGetValue(ModelContract.Keys.FormatVersion, out var version))
            throw new ModelContractException($"model {name} has no Tood metadata ({ModelContract.Keys.FormatVersion} missing); export it with 'tood-train export'");
        if (version != ModelContract.FormatVersion)
            throw new ModelContractException($"model {name} has Tood format version {version}, this runtime reads version {ModelContract.FormatVersion}");

        string Get(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new ModelContractException($"model {name}: metadata key {key} missing");
        int GetInt(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
            : throw new ModelContractException($"model {name}: metadata {key}='{Get(key)}' is not a positive integer");

        string[] classes;
        try { classes = JsonSerializer.Deserialize<string[]>(Get(ModelContract.Keys.ClassNames)) ?? []; }
        catch (JsonException) { throw new ModelContractException($"model {name}: metadata {ModelContract.Keys.ClassNames} is not a JSON array of strings"); }
        if (classes.Length == 0) throw new ModelContractException($"model {name}: metadata {ModelContract.Keys.ClassNames} is empty");
        if (meta.ContainsKey(ModelContract.Keys.NumClasses) && GetInt(ModelContract.Keys.NumClasses) != classes.Length)
            throw new ModelContractException($"model {name}: {ModelContract.Keys.NumClasses}={Get(ModelContract.Keys.NumClasses)} but {classes.Length} class names");

        int[] categoryIds = Enumerable.Range(1, classes.Length).ToArray();
        if (meta.TryGetValue(ModelContract.Keys.CategoryIds, out var ids))
        {
            try { categoryIds = JsonSerializer.Deserialize<int[]>(ids) ?? categoryIds; }
            catch (JsonException) { throw new ModelContractException($"model {name}: metadata {ModelContract.Keys.CategoryIds} is not a JSON array of integers"); }
        }

        int[] strides = ModelContract.DefaultStrides;
        if (meta.TryGetValue(ModelContract.Keys.Strides, out var s))
        {
            try { strides = s.Split(',').Select(x => int.Parse(x.Trim(), CultureInfo.InvariantCulture)).ToArray(); }
            catch (FormatException) { throw new ModelContractException($"model {name}: metadata {ModelContract.Keys.Strides}='{s}' is not a list of integers"); }
        }

        int? fixedBatch = null;
        if (meta.TryGetValue(ModelContract.Keys.BatchMode, out var b) && b != "dynamic")
            fixedBatch = int.TryParse(b, NumberStyles.Integer, CultureInfo.InvariantCulture, out var fb) && fb > 0 ? fb
                : throw new ModelContractException($"model {name}: metadata {ModelContract.Keys.BatchMode}='{b}' is neither 'dynamic' nor a positive integer");

        return new ModelInfo(path, classes, categoryIds, GetInt(ModelContract.Keys.InputWidth), GetInt(ModelContract.Keys.InputHeight), strides,
            meta.GetValueOrDefault(ModelContract.Keys.Preset, "unknown"), meta.GetValueOrDefault(ModelContract.Keys.Precision, "fp32"),
            fixedBatch, meta);
    }
}
