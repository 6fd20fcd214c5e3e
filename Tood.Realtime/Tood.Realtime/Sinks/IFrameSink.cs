using OpenCvSharp;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Sinks;

/// <summary>
/// A processed frame: the source image with the detections drawn, its detections and timing. <paramref name="Status"/>
/// is the FPS/latency line when it is NOT drawn on <paramref name="Image"/>: displays draw it on their own copy,
/// files leave it out (VideoPipelineOptions.DrawStatus burns it into every output instead). <paramref name="Name"/>: the
/// image's name relative to the input folder for image input (its <paramref name="Index"/> is its position in the
/// sorted list, its time 0); null for video.
/// </summary>
public readonly record struct ProcessedFrame(long Index, double TimeSeconds, Mat Image, IReadOnlyList<Detection> Detections, string? Status = null, string? Name = null);

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
