using Tood.Realtime.Postprocess;
using Tood.Train.Data;

namespace Tood.Train.Training;

/// <summary>Everything <c>tood-train eval</c> accepts (see <see cref="CheckpointEvaluator"/>).</summary>
public sealed record EvalOptions
{
    public required string Checkpoint { get; init; }
    /// <summary>Dataset: a COCO json (with <see cref="Images"/>), a YOLO data.yaml or a VOC folder (<see cref="Realtime.Datasets.DetectionData.Load"/>).</summary>
    public required string Data { get; init; }
    /// <summary>Image folder of a COCO json.</summary>
    public string? Images { get; init; }
    /// <summary>Split of a YOLO/VOC dataset.</summary>
    public string Split { get; init; } = "val";
    /// <summary>Write the 12 COCO stats as JSON here.</summary>
    public string? StatsPath { get; init; }
    /// <summary>Write the detections as a COCO results file here.</summary>
    public string? ResultsPath { get; init; }
    /// <summary>Test scale; null = the checkpoint's own (<see cref="CheckpointEvaluator.DefaultImageSize"/>).</summary>
    public ImageSizeSpec? ImageSize { get; init; }
    public int BatchSize { get; init; } = 8;
    public string Device { get; init; } = "auto";
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);
    /// <summary>Decoding; default MMDetection's test config (spec §6): score 0.05, 1000 pairs per level, no clipping, NMS 0.6, 100.</summary>
    public DecodeOptions Decode { get; init; } = DecodeOptions.CocoEval;

    public void Validate()
    {
        static void Check(bool ok, string message) { if (!ok) throw new Tood.CommandLine.UsageException(message); }
        Check(BatchSize >= 1, $"--batch must be ≥ 1, got {BatchSize}");
        Check(Workers >= 1, $"--workers must be ≥ 1, got {Workers}");
        Check(ImageSize?.Problem() is null, $"--imgsz: {ImageSize?.Problem()}");
    }
}
