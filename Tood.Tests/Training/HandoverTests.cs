using Tood.Train.Loss;
using Tood.Train.Training;
using Xunit;

namespace Tood.Tests.Training;

/// <summary>The warm-up → TAL hand-over rule (<see cref="Handover"/>).</summary>
public class HandoverTests
{
    [Fact]
    public void Threshold_0_is_the_papers_fixed_schedule()
    {
        var h = new Handover(minWarmupEpochs: 4, threshold: 0);
        Assert.Equal([AssignMode.Atss, AssignMode.Atss, AssignMode.Atss, AssignMode.Atss, AssignMode.TaskAligned, AssignMode.TaskAligned],
            Enumerable.Range(0, 6).Select(h.ModeFor));
        Assert.False(h.Measures(3));
        Assert.Null(h.EndEpoch(3, 0.9));
    }

    [Fact]
    public void Tal_waits_for_the_agreement_after_the_minimum_warmup()
    {
        var h = new Handover(minWarmupEpochs: 2, threshold: 0.5);
        Assert.False(h.Measures(0));                         // before the last minimum warm-up epoch nothing is measured
        Assert.Null(h.EndEpoch(0, 0.9));
        Assert.True(h.Measures(1));
        Assert.Equal("epoch 2: ATSS continues (alignment s·u^6 at the best anchors 0.300 < 0.5)", h.EndEpoch(1, 0.3));
        Assert.Equal(AssignMode.Atss, h.ModeFor(2));
        Assert.Equal("epoch 3: TAL from epoch 4 (alignment s·u^6 at the best anchors 0.500 ≥ 0.5)", h.EndEpoch(2, 0.5));
        Assert.Equal(3, h.TalFromEpoch);
        Assert.Equal([AssignMode.Atss, AssignMode.TaskAligned, AssignMode.TaskAligned], new[] { 2, 3, 9 }.Select(h.ModeFor));
        Assert.False(h.Measures(3));                         // decided once, for good
        Assert.Null(h.EndEpoch(3, 0.1));
        Assert.Equal(AssignMode.TaskAligned, h.ModeFor(4));
    }

    [Fact]
    public void The_last_epoch_measures_nothing()
    {
        var atssOnly = new Handover(minWarmupEpochs: 4, threshold: 0.2, totalEpochs: 4);
        Assert.False(atssOnly.Measures(3));
        Assert.Null(atssOnly.EndEpoch(3, 0.9));
        Assert.True(new Handover(minWarmupEpochs: 4, threshold: 0.2, totalEpochs: 5).Measures(3));
    }

    [Fact]
    public void A_resumed_run_keeps_its_decision()
    {
        var h = new Handover(minWarmupEpochs: 4, threshold: 0.5, talFromEpoch: 7);
        Assert.Equal([AssignMode.Atss, AssignMode.TaskAligned], new[] { 6, 7 }.Select(h.ModeFor));
        Assert.False(h.Measures(6));
    }

    [Fact]
    public void Alignment_is_the_mean_over_gts()
    {
        Assert.Equal(0.25, StepRunner.AlignmentFrom([3f, 12f]));
        Assert.Null(StepRunner.AlignmentFrom([0f, 0f]));
        Assert.Null(StepRunner.AlignmentFrom([]));
    }
}
