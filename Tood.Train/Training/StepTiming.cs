namespace Tood.Train.Training;

/// <summary>
/// Wall-clock breakdown of one training iteration, filled by <see cref="Trainer"/> when
/// <see cref="Trainer.StepTimed"/> is set (seconds). On CPU every phase is synchronous, so the split is
/// exact; on CUDA queued kernels are charged to the next phase that synchronises (the loss .item() calls).
/// Loss excludes Assign (<see cref="Loss.LossOutput.AssignTime"/>, measured inside ToodLoss).
/// Total runs from the end of the previous iteration to the end of this one, so it includes the data wait.
/// </summary>
public readonly record struct StepTiming(
    int Epoch, int Iteration, int Attempts,
    double DataWait, double Forward, double Assign, double Loss, double Backward, double GradCheck, double Optimizer, double Total)
{
    /// <summary>Time not attributed to a phase (logging, batch disposal, dispose scopes).</summary>
    public double Other => Total - DataWait - Forward - Assign - Loss - Backward - GradCheck - Optimizer;
}
