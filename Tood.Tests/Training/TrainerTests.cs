using Tood.Tests.Data;
using Tood.Train.Model;
using Tood.Train.Training;
using TorchSharp;
using Xunit;

namespace Tood.Tests.Training;

/// <summary>Short real runs of the tiny preset on 64 px synthetic images (CPU).</summary>
public class TrainerTests : IDisposable
{
    private readonly SynthSplits _dir = new(trainSeed: 21, valSeed: 22);

    public void Dispose() => _dir.Dispose();

    private TrainOptions Options(string run, int epochs, bool val = false) => new()
    {
        TrainAnnotations = _dir["train/annotations.json"],
        TrainImages = _dir["train/images"],
        ValAnnotations = val ? _dir["val/annotations.json"] : null,
        ValImages = val ? _dir["val/images"] : null,
        RunDir = _dir[run],
        Preset = "tiny",
        Epochs = epochs,
        BatchSize = 4,
        ImageSize = 64,
        Device = "cpu",
        WarmupIters = 2,
        WarmupEpochs = 1,
        HandoverAlignment = 0,   // the paper's fixed schedule: these tests are about the trainer's mechanics
        Workers = 2,
        Seed = 5,
        Lr = 0.01,
    };

    [Fact]
    public async Task Nan_loss_stops_with_iteration_and_image_ids_and_keeps_last_checkpoint()
    {
        var o = Options("nan", 3);
        var log = new StringWriter();
        var trainer = new Trainer(o, log)
        {
            // Epoch 2 (0-based 1), second iteration: poison the loss.
            LossHook = (epoch, it, total) => epoch == 1 && it == 1 ? total * float.NaN : total,
        };
        var e = await Assert.ThrowsAsync<NonFiniteLossException>(() => trainer.RunAsync());
        Assert.StartsWith("non-finite loss (NaN) at epoch 2, iteration 2 (step 3); batch image ids: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var ids = e.Message.Split("batch image ids: ")[1].Split(';')[0].Split(' ').Select(long.Parse).ToList();
        Assert.Equal(4, ids.Count);
        Assert.All(ids, id => Assert.InRange(id, 1, 8));
        Assert.EndsWith("last good checkpoint: " + Path.Combine(o.RunDir, Trainer.LastName), e.Message);
        var meta = Checkpoint.ReadMeta(Path.Combine(o.RunDir, Trainer.LastName));
        Assert.Equal(1, meta.Epoch);
        Assert.Equal(2, meta.GlobalStep);
    }

    [Fact]
    public async Task Killed_run_resumes_from_last_checkpoint_and_finishes()
    {
        var o = Options("resume", 2, val: true);
        using var cts = new CancellationTokenSource();
        var first = new Trainer(o, TextWriter.Null) { AfterIteration = (epoch, it, _) => { if (epoch == 1 && it == 1) cts.Cancel(); } };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.RunAsync(cts.Token));
        var lastPath = Path.Combine(o.RunDir, Trainer.LastName);
        Assert.Equal(1, Checkpoint.ReadMeta(lastPath).Epoch);
        Assert.True(File.Exists(Path.Combine(o.RunDir, Trainer.BestName)));

        var log = new StringWriter();
        var result = await new Trainer(o with { Resume = true }, log).RunAsync();
        Assert.Contains("resumed at epoch 1, step 2", log.ToString());
        Assert.Equal(4, result.Steps);
        Assert.Equal([0, 1], result.Metrics.Select(m => m.Epoch));
        Assert.Equal(["atss", "tal"], result.Metrics.Select(m => m.Mode));
        Assert.True(result.Metrics.All(m => m.ValAp is not null));
        using var loaded = Checkpoint.Load(lastPath, torch.CPU);
        Assert.Equal(2, loaded.Meta.Epoch);
        Assert.Equal(4, loaded.Meta.GlobalStep);
        Assert.NotNull(loaded.OptimizerState);
        Assert.Equal([1, 2, 3, 4, 5, 6], loaded.Meta.CategoryIds);
        Assert.True(File.Exists(Path.Combine(o.RunDir, Trainer.CurvesName)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]   // --ema: the average and the trained weights both continue exactly
    public async Task A_run_killed_mid_epoch_resumes_to_the_same_weights_as_an_uninterrupted_one(bool ema)
    {
        // 2 epochs × 2 steps, ATSS then TAL; the killed run stops after step 3 (epoch 2, batch 1) and resumes there.
        var whole = Options($"whole{ema}", 2) with { SaveEvery = 1, Ema = ema ? 0.9 : null, EmaTau = 1 };
        await new Trainer(whole, TextWriter.Null).RunAsync();
        var o = whole with { RunDir = _dir[$"killed{ema}"] };
        using var cts = new CancellationTokenSource();
        var first = new Trainer(o, TextWriter.Null) { AfterIteration = (epoch, it, _) => { if (epoch == 1 && it == 1) cts.Cancel(); } };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.RunAsync(cts.Token));
        var lastPath = Path.Combine(o.RunDir, Trainer.LastName);
        var meta = Checkpoint.ReadMeta(lastPath);
        Assert.Equal((1, 1, 3L), (meta.Epoch, meta.EpochIterations, meta.GlobalStep));

        var log = new StringWriter();
        var result = await new Trainer(o with { Resume = true }, log).RunAsync();
        Assert.Contains("resumed at epoch 1, step 3, batch 1", log.ToString());
        Assert.Equal(4, result.Steps);
        using var a = Checkpoint.Load(Path.Combine(whole.RunDir, Trainer.LastName), torch.CPU);
        using var b = Checkpoint.Load(lastPath, torch.CPU);
        Assert.Equal((2, 0), (b.Meta.Epoch, b.Meta.EpochIterations));
        AssertSameWeights(a.Model, b.Model, "after resuming");
        Assert.Equal(ema, a.TrainingState is not null);
        if (!ema) return;
        using var trainedA = Checkpoint.ModelFromState(a.Meta, a.TrainingState!, "a", torch.CPU);
        using var trainedB = Checkpoint.ModelFromState(b.Meta, b.TrainingState!, "b", torch.CPU);
        AssertSameWeights(trainedA, trainedB, "(trained weights) after resuming");
        var averaged = a.Model.state_dict();
        Assert.Contains(trainedA.named_parameters(), p => p.parameter.requires_grad && !p.parameter.eq(averaged[p.name]).all().item<bool>());
    }

    private static void AssertSameWeights(ToodDetector a, ToodDetector b, string when)
    {
        var bState = b.state_dict();
        foreach (var (key, t) in a.state_dict())
            Assert.True(t.eq(bState[key]).all().item<bool>(), $"{key} differs {when}");
    }

    [Fact]
    public async Task A_short_run_lowers_the_loss()
    {
        // 8 epochs × 4 iterations of batch 2, ATSS throughout (one loss definition), no scale jitter.
        var o = Options("short", 8) with { BatchSize = 2, WarmupEpochs = 8, MinScale = 1, MaxScale = 1 };
        var result = await new Trainer(o, TextWriter.Null).RunAsync();
        var losses = result.Metrics.Select(m => m.Loss).ToList();
        Assert.Equal(8, losses.Count);
        double late = (losses[^1] + losses[^2]) / 2;
        Assert.True(late < 0.85 * losses[0], $"loss did not fall: {string.Join(", ", losses.Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    [Theory]
    [InlineData(1, 2, 3)]     // 4 iterations/epoch, logs after iterations 2 and 4, + the epoch-end read
    [InlineData(1, 1000, 2)]  // only the epoch's last iteration logs, + the epoch-end read
    [InlineData(2, 1, 3)]     // accumulation: logs once per optimizer step (2 per epoch), + the epoch-end read
    public async Task Host_reads_are_one_per_logging_interval_plus_one_per_epoch(int accumulate, int logEvery, int perEpoch)
    {
        var o = Options($"reads{accumulate}_{logEvery}", 2) with { BatchSize = 2, Accumulate = accumulate, LogEvery = logEvery, MinScale = 1, MaxScale = 1 };
        var timings = new List<StepTiming>();
        var trainer = new Trainer(o, TextWriter.Null) { StepTimed = timings.Add };
        await trainer.RunAsync();
        Assert.Equal(8, timings.Count);
        Assert.Equal(2 * perEpoch, trainer.Reads.Count);
        Assert.Equal(2 * (perEpoch - 1), timings.Sum(t => t.HostReads));   // the epoch-end read follows the last iteration
        Assert.All(timings, t => Assert.InRange(t.HostReads, 0, 1));
    }
}
