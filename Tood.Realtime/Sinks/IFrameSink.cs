using OpenCvSharp;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Sinks;

/// <summary>A processed frame: the source image with the overlay drawn, its detections and timing.</summary>
public readonly record struct ProcessedFrame(long Index, double TimeSeconds, Mat Image, IReadOnlyList<Detection> Detections);

/// <summary>
/// Receives processed frames in order from the pipeline's last stage. <see cref="Complete"/> finalises
/// the output (also after Ctrl+C or an error mid-run: what was written stays readable);
/// <see cref="Abort"/> removes it (the run failed before producing anything).
/// </summary>
public interface IFrameSink : IDisposable
{
    void Write(in ProcessedFrame frame);
    void Complete();
    void Abort();
}
