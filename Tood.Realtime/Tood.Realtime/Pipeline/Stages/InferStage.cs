using System.Threading.Channels;

namespace Tood.Realtime.Pipeline.Stages;

/// <summary>File mode: each assembled batch waits for a free run slot, then runs (<see cref="ModelRunner"/>).</summary>
internal sealed class InferStage(RunContext context, ModelRunner runner) : Stage<FrameBatch, Task<FrameBatch>>("infer", context)
{
    protected override async ValueTask ProcessAsync(FrameBatch batch, ChannelWriter<Task<FrameBatch>> output, CancellationToken ct)
    {
        await runner.WaitForSlotAsync(ct);
        await runner.DispatchAsync(batch, output, ct);
    }
}
