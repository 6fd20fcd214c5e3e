using System.Globalization;
using Tood.Realtime.Coco;
using Tood.Realtime.Datasets;
using Tood.Realtime.Evaluation;
using Tood.Train.Data;
using Tood.Train.Model;

namespace Tood.Train.Training;

/// <summary>The outcome of <see cref="CheckpointEvaluator.RunAsync"/>.</summary>
/// <param name="LeftOut">Annotations of classes the checkpoint does not have, left out of the evaluation.</param>
public sealed record EvalResult(CocoStats Stats, IReadOnlyList<CocoAnnotation> Detections, ImageSizeSpec ImageSize, int Images, int LeftOut);

/// <summary>
/// COCO bbox mAP of a checkpoint on a dataset (<c>tood-train eval</c>; COCO json, YOLO data.yaml or VOC folder): the
/// data's classes matched to the checkpoint's by name (annotations of other classes left out and counted),
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
        var meta = loaded.Meta;
        var data = DetectionData.Load(o.Data, o.Split, o.Images);
        int before = data.Coco.Annotations.Count;
        data = data.WithClasses(meta.ClassNames);
        // The checkpoint's class i is the data's category of the same name.
        var idOf = data.Coco.Categories.ToDictionary(c => c.Name, c => c.Id, StringComparer.Ordinal);
        var map = new CategoryMap([.. meta.ClassNames.Select(n => idOf[n])], meta.ClassNames);
        var ds = CocoDetectionDataset.FromCoco(data.Coco, data.Source, data.ImageDir, map);
        var (stats, dets) = await Validator.EvaluateAsync(loaded.Model, ds, size, device, o.BatchSize, o.Workers, o.Decode, ct);
        if (o.StatsPath is not null) await File.WriteAllTextAsync(o.StatsPath, stats.ToJson(), ct);
        if (o.ResultsPath is not null) DetectionResultsFile.Save(o.ResultsPath, dets);
        return new EvalResult(stats, dets, size, ds.Images.Count, before - data.Coco.Annotations.Count);
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
        $"{r.Detections.Count} detections on {r.Images} images at {(r.ImageSize.KeepRatio ? $"keep-ratio {r.ImageSize} (pad 32)" : $"{r.ImageSize}px square")}{(r.LeftOut > 0 ? $"; {r.LeftOut} annotations of classes the checkpoint does not have were left out" : "")}");
}
