namespace Tood.Train.Training;

/// <summary>
/// Wall-clock breakdown of one training iteration, filled by <see cref="Trainer"/> when
/// <see cref="Trainer.StepTimed"/> is set (seconds). On CPU every phase is synchronous, so the split is
/// exact; on CUDA queued kernels are charged to the next phase that synchronises (the step loop itself only does at
/// its logging reads, counted in <see cref="HostReads"/>: device-to-host reads during this iteration).
/// Loss excludes Assign (<see cref="Loss.LossOutput.AssignTime"/>, measured inside ToodLoss).
/// Total runs from the end of the previous iteration to the end of this one, so it includes the data wait.
/// </summary>
public readonly record struct StepTiming(
    int Epoch, int Iteration,
    double DataWait, double Forward, double Assign, double Loss, double Backward, double Optimizer, double Total, long HostReads)
{
    /// <summary>Time not attributed to a phase (logging, batch disposal, dispose scopes).</summary>
    public double Other => Total - DataWait - Forward - Assign - Loss - Backward - Optimizer;
}
