using System.Text.Json.Serialization;

namespace Tood.Train.Model;

/// <summary>
/// JSON metadata stored in a checkpoint (CONTEXT "Checkpoint"). <see cref="Model"/> is the exact
/// architecture, used to rebuild the network; the other fields describe data and training progress.
/// </summary>
public sealed record CheckpointMeta
{
    public required ModelConfig Model { get; init; }
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>COCO category id of each class index.</summary>
    public IReadOnlyList<int> CategoryIds { get; init; } = [];
    public int InputWidth { get; init; }
    public int InputHeight { get; init; }
    public IReadOnlyList<float> Mean { get; init; } = [123.675f, 116.28f, 103.53f];
    public IReadOnlyList<float> Std { get; init; } = [58.395f, 57.12f, 57.375f];
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; init; }
    /// <summary>Batches of the next epoch already trained (a mid-epoch checkpoint, <c>--save-every</c>); 0 at an epoch boundary.</summary>
    public int EpochIterations { get; init; }
    public long GlobalStep { get; init; }
    /// <summary>First TAL epoch once the warm-up hand-over has happened (<c>--handover-alignment</c>); null before.</summary>
    public int? TalFromEpoch { get; init; }
    public double? BestMap { get; init; }
    public string TrainingData { get; init; } = "";
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    [JsonIgnore] public string Preset => Model.Preset;
    [JsonIgnore] public HeadKind Head => Model.Head;
    [JsonIgnore] public int NumClasses => Model.NumClasses;
}
