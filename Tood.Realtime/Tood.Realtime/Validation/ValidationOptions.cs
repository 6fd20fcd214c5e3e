using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tood.Realtime.Pipeline;

namespace Tood.Realtime.Validation;

/// <summary>How <see cref="DatasetValidator"/> runs and summarises (the decoding itself is the detector's
/// <see cref="Inference.Detector.DecodeOptions"/>).</summary>
public sealed record ValidationOptions
{
    /// <summary>Operating point of the <see cref="ConfusionSummary"/> (AP uses every detection the decoder keeps).</summary>
    public double ConfusionScoreThreshold { get; init; } = 0.25;
    public double ConfusionIouThreshold { get; init; } = 0.5;
    /// <summary>Images done so far (reported from worker threads, one report at a time).</summary>
    public IProgress<PipelineProgress>? Progress { get; init; }
    /// <summary>Logs images that decode to another size than annotated.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
