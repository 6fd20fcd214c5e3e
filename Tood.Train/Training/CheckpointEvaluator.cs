using System.Globalization;
using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;
using Tood.Train.Data;
using Tood.Train.Model;

namespace Tood.Train.Training;

/// <summary>The outcome of <see cref="CheckpointEvaluator.RunAsync"/>.</summary>
public sealed record EvalResult(CocoStats Stats, IReadOnlyList<CocoAnnotation> Detections, ImageSizeSpec ImageSize, int Images);

/// <summary>
/// COCO bbox mAP of a checkpoint on a COCO dataset (<c>tood-train eval</c>): the checkpoint's own class map,
/// <see cref="Validator"/> at the checkpoint's test scale unless told otherwise — keep-ratio 1333x800 padded to
/// 32 per image for an imported MMDetection checkpoint (spec §6), the training size for a Tood-trained one.
/// </summary>
public static class CheckpointEvaluator
{
    public static async Task<EvalResult> RunAsync(EvalOptions o, CancellationToken ct = default)
    {
        o.Validate();
        var device = DeviceSelector.Resolve(o.Device);
        using var loaded = Checkpoint.Load(o.Checkpoint, device);
        var size = o.ImageSize ?? DefaultImageSize(loaded.Meta);
        var map = new CategoryMap(loaded.Meta.CategoryIds, loaded.Meta.ClassNames);
        var ds = CocoDetectionDataset.Load(o.Annotations, o.Images, map);
        var (stats, dets) = await Validator.EvaluateAsync(loaded.Model, ds, size, device, o.BatchSize, o.Workers, o.Decode, ct);
        if (o.StatsPath is not null) await File.WriteAllTextAsync(o.StatsPath, stats.ToJson(), ct);
        if (o.ResultsPath is not null) DetectionResultsFile.Save(o.ResultsPath, dets);
        return new EvalResult(stats, dets, size, ds.Images.Count);
    }

    /// <summary>The test scale a checkpoint records (<see cref="ImageSizeSpec.EvalMetaKey"/>); imports written before
    /// it existed get MMDetection's 1333x800, other checkpoints their square input width.</summary>
    public static ImageSizeSpec DefaultImageSize(CheckpointMeta meta)
    {
        if (meta.Extra.TryGetValue(ImageSizeSpec.EvalMetaKey, out var text))
        {
            try { return ImageSizeSpec.Parse(text); }
            catch (FormatException e) { throw new CheckpointException($"checkpoint meta {ImageSizeSpec.EvalMetaKey}: {e.Message}", e); }
        }
        if (meta.Extra.ContainsKey("imported_from")) return ImageSizeSpec.Mmdet1333x800;
        return ImageSizeSpec.Square(meta.InputWidth > 0 ? meta.InputWidth : 512);
    }

    /// <summary>One summary line for stderr.</summary>
    public static string Summary(EvalResult r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Detections.Count} detections on {r.Images} images at {(r.ImageSize.KeepRatio ? $"keep-ratio {r.ImageSize} (pad 32)" : $"{r.ImageSize}px square")}");
}
