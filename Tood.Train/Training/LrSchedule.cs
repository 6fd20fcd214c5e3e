namespace Tood.Train.Training;

public enum ScheduleKind { Step, Cosine }

/// <summary>
/// Learning rate as a pure function of (optimizer step, epoch), so resuming from a checkpoint's step and
/// epoch restores it exactly (spec §5). Linear warm-up over the first <see cref="WarmupIters"/> optimizer
/// steps from <see cref="WarmupRatio"/>×: lr·(1 − (1 − r)(1 − it/W)), multiplied onto the regular schedule
/// (mmdet behaviour). Step: ×0.1 at epochs round(8/12·E) and round(11/12·E) (8 and 11 for 12 epochs).
/// Cosine: per step from lr down to lr·<see cref="CosineFinalRatio"/> over all steps.
/// </summary>
public sealed record LrSchedule(double BaseLr, int Epochs, int StepsPerEpoch, ScheduleKind Kind = ScheduleKind.Step,
    int WarmupIters = 500, double WarmupRatio = 0.001, double CosineFinalRatio = 0.01)
{
    /// <summary>Epoch indices (0-based) from which the step schedule is multiplied by 0.1 once more.</summary>
    public IReadOnlyList<int> Milestones => [(int)Math.Round(Epochs * 8.0 / 12), (int)Math.Round(Epochs * 11.0 / 12)];

    /// <summary>Learning rate for optimizer step <paramref name="step"/> (0-based, global) taken during <paramref name="epoch"/>.</summary>
    public double At(long step, int epoch)
    {
        double lr;
        if (Kind == ScheduleKind.Step)
        {
            lr = BaseLr;
            foreach (var m in Milestones) if (epoch >= m) lr *= 0.1;
        }
        else
        {
            long total = Math.Max(1L, (long)Epochs * StepsPerEpoch);
            double t = Math.Clamp((double)step / total, 0, 1);
            double min = BaseLr * CosineFinalRatio;
            lr = min + (BaseLr - min) * 0.5 * (1 + Math.Cos(Math.PI * t));
        }
        if (step < WarmupIters)
            lr *= 1 - (1 - WarmupRatio) * (1 - (double)step / WarmupIters);
        return lr;
    }
}
