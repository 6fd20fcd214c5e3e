using System.Text.Json;
using Tood.CommandLine;
using Tood.Tests.Data;
using Tood.Train.Cli;
using Tood.Train.Model;
using Tood.Train.Training;
using Xunit;

namespace Tood.Tests.Training;

/// <summary><c>tood-train ablate</c> end to end on a tiny synthetic set: both arms really train with the
/// head and assigner they claim, on the same data and budget, and the report carries both arms' 12 stats.</summary>
public class AblateCommandTests : IDisposable
{
    private readonly SynthSplits _dir = new(trainSeed: 31, valSeed: 32);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Trains_both_arms_with_their_own_head_and_assigner_and_writes_the_table()
    {
        var code = await new AblateCommand().RunAsync(
        [
            "--data", _dir["train/annotations.json"], "--images", _dir["train/images"],
            "--val-data", _dir["val/annotations.json"], "--val-images", _dir["val/images"],
            "--out", _dir["ablate"], "--preset", "tiny", "--epochs", "2", "--warmup-epochs", "1", "--batch", "4",
            "--imgsz", "64", "--device", "cpu", "--warmup-iters", "2", "--workers", "1", "--seed", "3",
        ], default);
        Assert.Equal(0, code);

        // T-Head arm: ATSS warm-up epoch, then TAL; parallel arm: ATSS throughout. Same number of steps.
        var tood = new MetricsLog(Path.Combine(_dir["ablate"], "tood_tal", Trainer.MetricsName)).Read();
        var parallel = new MetricsLog(Path.Combine(_dir["ablate"], "parallel_atss", Trainer.MetricsName)).Read();
        Assert.Equal(["atss", "tal"], tood.Select(m => m.Mode));
        Assert.Equal(["atss", "atss"], parallel.Select(m => m.Mode));
        Assert.Equal(tood.Select(m => m.Step), parallel.Select(m => m.Step));
        Assert.Null(tood[0].LossCenterness);         // T-Head has no centerness branch in ATSS mode either
        Assert.NotNull(parallel[0].LossCenterness);  // the ATSS baseline trains its centerness

        Assert.Equal(HeadKind.TaskAligned, Checkpoint.ReadMeta(Path.Combine(_dir["ablate"], "tood_tal", Trainer.LastName)).Model.Head);
        Assert.Equal(HeadKind.Parallel, Checkpoint.ReadMeta(Path.Combine(_dir["ablate"], "parallel_atss", Trainer.LastName)).Model.Head);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir["ablate"], "ablation.json")));
        foreach (var arm in new[] { "tood_tal", "parallel_atss" })
        {
            var stats = json.RootElement.GetProperty(arm).GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToList();
            Assert.Equal(12, stats.Count);
            Assert.All(stats, s => Assert.InRange(s, -1.0, 1.0)); // -1 = no GT in that area range (pycocotools)
            Assert.True(json.RootElement.GetProperty(arm).GetProperty("train_seconds").GetDouble() > 0);
        }
        // Head sizes differ as the model says (tiny, 6 classes).
        Assert.Equal(ToodDetector.Create("tiny", 6).CountParameters().Head, json.RootElement.GetProperty("tood_tal").GetProperty("head_params").GetInt64());
        Assert.Equal(ToodDetector.Create("tiny", 6, HeadKind.Parallel).CountParameters().Head, json.RootElement.GetProperty("parallel_atss").GetProperty("head_params").GetInt64());
    }

    [Fact]
    public async Task Without_a_validation_set_it_is_a_usage_error()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => new AblateCommand().RunAsync(
            ["--data", _dir["train/annotations.json"], "--images", _dir["train/images"], "--out", _dir["x"]], default));
        Assert.Equal("ablate needs --val-data and --val-images", e.Message);
    }

    [Fact]
    public async Task Full_ablation_trains_the_four_cells_of_table_3_with_their_own_head_and_assigner()
    {
        var o = new TrainOptions
        {
            TrainAnnotations = _dir["train/annotations.json"], TrainImages = _dir["train/images"],
            ValAnnotations = _dir["val/annotations.json"], ValImages = _dir["val/images"], RunDir = _dir["full"],
            Preset = "tiny", Epochs = 2, WarmupEpochs = 1, BatchSize = 4, ImageSize = 64, Device = "cpu", WarmupIters = 2, Workers = 1, Seed = 3,
        };
        var results = await Ablation.RunAsync(o, full: true, TextWriter.Null);
        Assert.Equal(["tood_tal", "tood_atss", "parallel_tal", "parallel_atss"], results.Select(r => r.Cell.Name));
        foreach (var r in results)
        {
            var metrics = new MetricsLog(Path.Combine(_dir["full"], r.Cell.Name, Trainer.MetricsName)).Read();
            Assert.Equal(r.Cell.Tal ? ["atss", "tal"] : ["atss", "atss"], metrics.Select(m => m.Mode));   // same warm-up, then each its own assigner
            Assert.Equal(r.Cell.Head == HeadKind.Parallel, metrics[0].LossCenterness is not null);
            Assert.Equal(r.Cell.Head, Checkpoint.ReadMeta(Path.Combine(_dir["full"], r.Cell.Name, Trainer.LastName)).Model.Head);
            Assert.Equal(4, metrics[^1].Step);                                                          // same budget
            Assert.Equal(ToodDetector.Create("tiny", 6, r.Cell.Head).CountParameters().Head, r.HeadParameters);
        }
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir["full"], Ablation.ReportName)));
        Assert.Equal("parallel", json.RootElement.GetProperty("parallel_tal").GetProperty("head").GetString());
        Assert.Equal("tal", json.RootElement.GetProperty("parallel_tal").GetProperty("assigner").GetString());
        Assert.Contains("ΔAP (T-Head + ATSS − parallel head + ATSS)", Ablation.ToTable(results));
    }
}
