using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>
/// Render: draws each frame's detections (and tracks) with its stream's overlay renderer, and the FPS/latency status
/// line — burnt into the frame only when asked (<paramref name="burnStatus"/>); otherwise a window draws it on its own
/// copy (<paramref name="statusLine"/>). The frame's latency (capture → overlay drawn) is recorded here.
/// </summary>
internal sealed class RenderStage(RunContext context, bool statusLine, bool burnStatus) : Stage<FrameEnvelope, FrameEnvelope>("render", context)
{
    protected override async ValueTask ProcessAsync(FrameEnvelope env, ChannelWriter<FrameEnvelope> output, CancellationToken ct)
    {
        long t = Stopwatch.GetTimestamp();
        var st = Context.Streams[env.Stream];
        string? status = statusLine || burnStatus ? Status(env, st) : null;
        st.Renderer.Draw(env.Frame, env.Detections, burnStatus ? status : null);
        env.Status = burnStatus ? null : status;
        Clock.Add(t);
        double latency = Stopwatch.GetElapsedTime(env.CaptureTimestamp).TotalMilliseconds;
        Context.Latency.Add(latency);
        st.Latency.Add(latency);
        st.Rendered++;
        await output.WriteAsync(env, ct);
    }

    private string Status(FrameEnvelope env, PipelineStream st)
    {
        double fps = st.Rendered > 0 ? st.Rendered / Context.Wall.Elapsed.TotalSeconds : 0;
        double latency = Stopwatch.GetElapsedTime(env.CaptureTimestamp).TotalMilliseconds;
        return string.Create(CultureInfo.InvariantCulture, $"FPS {fps:0.0}  latency {latency:0} ms{(Context.Live ? $"  dropped {st.Dropped}" : "")}");
    }
}
