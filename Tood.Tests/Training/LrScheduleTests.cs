using Tood.Train.Training;
using Xunit;

namespace Tood.Tests.Training;

public class LrScheduleTests
{
    [Fact]
    public void Step_schedule_with_linear_warmup_matches_spec_values()
    {
        var s = new LrSchedule(0.01, 12, 100, ScheduleKind.Step, WarmupIters: 500);
        Assert.Equal([8, 11], s.Milestones);
        Assert.Equal(0.01 * 0.001, s.At(0, 0), 12);                 // warm-up start ratio 0.001
        Assert.Equal(0.01 * (1 - 0.999 * 0.5), s.At(250, 2), 12);   // = 0.005005
        Assert.Equal(0.01, s.At(500, 5), 12);                        // warm-up over
        Assert.Equal(0.01, s.At(799, 7), 12);
        Assert.Equal(0.001, s.At(800, 8), 12);                       // ×0.1 after epoch 8
        Assert.Equal(0.0001, s.At(1100, 11), 12);                    // ×0.1 again after epoch 11
    }

    [Fact]
    public void Milestones_scale_with_the_epoch_count()
    {
        Assert.Equal([16, 22], new LrSchedule(0.01, 24, 10).Milestones);
        Assert.Equal([2, 3], new LrSchedule(0.01, 3, 10).Milestones);
    }

    [Fact]
    public void Cosine_goes_from_base_to_one_percent()
    {
        var s = new LrSchedule(0.02, 10, 100, ScheduleKind.Cosine, WarmupIters: 0);
        Assert.Equal(0.02, s.At(0, 0), 12);
        Assert.Equal(0.0002 + (0.02 - 0.0002) * 0.5, s.At(500, 5), 12);
        Assert.Equal(0.0002, s.At(1000, 9), 12);
        Assert.Equal(0.02 * 0.001, new LrSchedule(0.02, 10, 100, ScheduleKind.Cosine, WarmupIters: 10).At(0, 0), 12);
    }
}
