using Tood.Train.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Model;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tood-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CheckpointMeta Meta(ToodDetector m) => new()
    {
        Model = m.Config,
        ClassNames = ["circle", "square", "triangle"],
        CategoryIds = [1, 2, 3],
        InputWidth = 320,
        InputHeight = 256,
        Epoch = 7,
        GlobalStep = 1234,
        BestMap = 0.512,
        TrainingData = "synthetic shapes, 2000 images",
        Extra = new Dictionary<string, string> { ["lr"] = "0.01" },
    };

    [Fact]
    public void Round_trip_gives_identical_outputs_metadata_and_optimizer_state()
    {
        torch.manual_seed(5);
        using var scope = torch.NewDisposeScope();
        using var model = ToodDetector.Create("tiny", 3);
        // one optimizer step so momentum buffers and BN running stats are non-trivial
        using var opt = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        model.train();
        using (var o = model.forward(torch.randn(2, 3, 64, 64))) { } // BN running stats move
        // gradient of Σp² (no conv backward: see the NaN note in DetectorForwardTests)
        torch.stack(model.parameters().Select(p => p.pow(2).sum()).ToArray()).sum().backward();
        opt.step();
        model.eval();
        var path = Path.Combine(_dir, "sub", "model.tood");
        Checkpoint.Save(path, model, Meta(model), Checkpoint.SerializeOptimizer(opt));
        Assert.False(File.Exists(path + ".tmp"));

        var x = torch.randn(1, 3, 96, 64);
        using var _ = torch.no_grad();
        using var expected = model.forward(x);
        using var loaded = Checkpoint.Load(path);
        using var actual = loaded.Model.forward(x);
        Assert.Equal(0f, (expected.FlatScores() - actual.FlatScores()).abs().max().item<float>());
        Assert.Equal(0f, (expected.FlatBoxes() - actual.FlatBoxes()).abs().max().item<float>());

        var m = loaded.Meta;
        Assert.Equal("tiny", m.Preset);
        Assert.Equal(HeadKind.TaskAligned, m.Head);
        Assert.Equal(3, m.NumClasses);
        Assert.Equal(["circle", "square", "triangle"], m.ClassNames);
        Assert.Equal([1, 2, 3], m.CategoryIds);
        Assert.Equal((320, 256, 7, 1234L, 0.512), (m.InputWidth, m.InputHeight, m.Epoch, m.GlobalStep, m.BestMap));
        Assert.Equal("0.01", m.Extra["lr"]);
        Assert.Equal(model.Config.Layers, m.Model.Layers);
        Assert.Equal(Checkpoint.ReadMeta(path).TrainingData, m.TrainingData);

        Assert.NotNull(loaded.OptimizerState);
        using var opt2 = torch.optim.SGD(loaded.Model.parameters(), 0.01, momentum: 0.9);
        Checkpoint.RestoreOptimizer(opt2, loaded.OptimizerState!);
        Assert.Equal(Checkpoint.SerializeOptimizer(opt), Checkpoint.SerializeOptimizer(opt2));
    }

    [Fact]
    public void Parallel_head_checkpoint_rebuilds_the_parallel_head()
    {
        using var model = ToodDetector.Create("tiny", 2, HeadKind.Parallel);
        var path = Path.Combine(_dir, "p.tood");
        Checkpoint.Save(path, model, Meta(model));
        using var loaded = Checkpoint.Load(path);
        Assert.Equal(HeadKind.Parallel, loaded.Model.Head);
        Assert.Null(loaded.OptimizerState);
    }

    [Fact]
    public void Missing_truncated_and_foreign_files_give_one_line_errors()
    {
        var missing = Path.Combine(_dir, "nope.tood");
        var e1 = Assert.Throws<CheckpointException>(() => Checkpoint.Load(missing));
        Assert.Contains("not found", e1.Message);

        using var model = ToodDetector.Create("tiny", 3);
        var path = Path.Combine(_dir, "m.tood");
        Checkpoint.Save(path, model, Meta(model));
        var bytes = File.ReadAllBytes(path);
        foreach (int keep in new[] { 4, 20, bytes.Length / 2, bytes.Length - 3 })
        {
            var cut = Path.Combine(_dir, $"cut{keep}.tood");
            File.WriteAllBytes(cut, bytes[..keep]);
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(cut));
            Assert.Contains(cut, e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.True(e.Message.Contains("truncated") || e.Message.Contains("not a Tood checkpoint"), e.Message);
        }

        var foreign = Path.Combine(_dir, "foreign.bin");
        File.WriteAllText(foreign, "PK\u0003\u0004 this is a zip, not a checkpoint");
        Assert.Contains("not a Tood checkpoint", Assert.Throws<CheckpointException>(() => Checkpoint.Load(foreign)).Message);
    }
}
