using System.Diagnostics;
using System.Threading.Channels;
using Tood.Realtime.Sinks;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>The last stage: writes each frame to its stream's sinks (video, JSONL, CSV, COCO, MOT, window), counts it,
/// reports progress and disposes the frame.</summary>
internal sealed class SinkStage(RunContext context, IProgress<PipelineProgress>? progress, long? totalFrames)
{
    public string Name => "write";
    public StageClock Clock { get; } = new();

    public Task RunAsync(ChannelReader<FrameEnvelope> input) => context.RunWorker<object>(null, async ct =>
    {
        await foreach (var env in input.ReadAllAsync(ct))
        {
            try { Write(env); }
            finally { env.Dispose(); }
        }
    });

    private void Write(FrameEnvelope env)
    {
        long t = Stopwatch.GetTimestamp();
        var st = context.Streams[env.Stream];
        var frame = new ProcessedFrame(env.Index, env.TimeSeconds, env.Frame, env.Detections, env.Status, env.Name);
        foreach (var s in st.Sinks) s.Write(frame);
        Clock.Add(t);
        context.CountWritten(env.Detections.Count);
        st.Frames++;
        st.Detections += env.Detections.Count;
        double seconds = context.Wall.Elapsed.TotalSeconds;
        st.LastFrameSeconds = seconds;
        progress?.Report(new PipelineProgress(context.Frames, totalFrames, context.Frames / seconds, seconds, context.Dropped));
    }
}
