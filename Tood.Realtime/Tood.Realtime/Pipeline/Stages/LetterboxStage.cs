using System.Diagnostics;
using System.Threading.Channels;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>File mode: letterboxes each frame into a pooled pinned buffer (the model's input layout), so batch
/// assembly is a copy. The pool's fixed size bounds memory: renting waits while every buffer is in flight.</summary>
internal sealed class LetterboxStage(RunContext context, FrameBufferPool pool) : Stage<FrameEnvelope, FrameEnvelope>("letterbox", context)
{
    protected override async ValueTask ProcessAsync(FrameEnvelope env, ChannelWriter<FrameEnvelope> output, CancellationToken ct)
    {
        var buf = await pool.RentAsync(ct);
        long t = Stopwatch.GetTimestamp();
        env.Buffer = buf; env.Pool = pool;
        env.Letterbox = buf.Target.Write(env.Frame);
        Clock.Add(t);
        await output.WriteAsync(env, ct);
    }
}
