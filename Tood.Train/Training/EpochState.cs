using System.Diagnostics;
using Tood.Train.Loss;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>One epoch in progress: its assigner, its statistics on the device (<see cref="StepMonitor"/>), its clock and
/// where it is; what the end of the epoch reports and saves.</summary>
internal sealed class EpochState(int epoch, AssignMode mode, Device device, int iteration, double lr) : IDisposable
{
    public int Epoch { get; } = epoch;
    public AssignMode Mode { get; } = mode;
    public Stopwatch Timer { get; } = Stopwatch.StartNew();
    public StepMonitor Monitor { get; } = new(device);

    /// <summary>Batches done in this epoch, counting those a resumed run skipped.</summary>
    public int Iteration { get; set; } = iteration;
    public double Lr { get; set; } = lr;
    public double WaitSum { get; set; }

    /// <summary>A logging interval ended: log at the end of the current group.</summary>
    public bool LogDue { get; set; }

    /// <summary>End of the previous iteration (the next one's <see cref="StepTiming.Total"/> starts there).</summary>
    public long StepStart { get; set; }

    /// <summary>Wall time of the epoch's batches, taken when the last one is done.</summary>
    public double Seconds { get; set; }

    public string ModeName => Mode == AssignMode.TaskAligned ? "tal" : "atss";

    public void Dispose() => Monitor.Dispose();
}
