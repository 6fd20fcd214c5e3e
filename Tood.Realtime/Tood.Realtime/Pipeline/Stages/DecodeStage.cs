using System.Diagnostics;
using System.Threading.Channels;
using Tood.Realtime.Inference;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>
/// Decode (+track): awaits each model run in submission order, decodes every frame's boxes into source-image
/// coordinates (the one decoder, <see cref="Detector.Decode"/>), updates the frame's stream tracker — in the stream's
/// frame order, since this stage has one worker — returns the model slot and hands the frames on.
/// </summary>
internal sealed class DecodeStage(RunContext context, Detector detector) : Stage<Task<FrameBatch>, FrameEnvelope>("decode", context)
{
    protected override async ValueTask ProcessAsync(Task<FrameBatch> run, ChannelWriter<FrameEnvelope> output, CancellationToken ct)
    {
        var b = await run;
        long t = Stopwatch.GetTimestamp();
        for (int i = 0; i < b.Frames.Length; i++)
        {
            var env = b.Frames[i]!;
            detector.Decode(b.Slot, i, env.Letterbox, env.Frame.Width, env.Frame.Height, env.Detections);
            Context.Streams[env.Stream].Tracker?.Update(env.Detections);
        }
        b.ReturnSlot(Context.Engine);
        Clock.Add(t);
        for (int i = 0; i < b.Frames.Length; i++)
        {
            await output.WriteAsync(b.Frames[i]!, ct);
            b.Frames[i] = null; // handed on
        }
    }
}
