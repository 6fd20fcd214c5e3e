using Tood.Train.Loss;
using Tood.Train.Model;
using Tood.Train.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static Tood.Tests.Assign.TensorTestUtil;
using static TorchSharp.torch;

namespace Tood.Tests.Training;

/// <summary>
/// Gradient accumulation normalises the whole batch by its sums over all images (spec §4.5, P6): one batch of 8
/// and 4 micro-batches of 2 (the same 8 letterboxed images, two of them with padding) give the same loss and the
/// same gradients, in ATSS and TAL mode, for the T-Head and the parallel head. The tiny model runs with BN in eval
/// mode, as the r18/r50 presets do: BN in train mode couples the images of a micro-batch through its batch
/// statistics, which no accumulation can reproduce.
/// </summary>
[Collection(Export.ExportTestSupport.Serial)]
public class AccumulationTests
{
    private static readonly (int, int)[] Sources = [(64, 64), (64, 40), (40, 64), (64, 64), (64, 48), (64, 64), (32, 64), (64, 64)];

    [Theory]
    [InlineData(AssignMode.Atss, HeadKind.TaskAligned)]
    [InlineData(AssignMode.TaskAligned, HeadKind.TaskAligned)]
    [InlineData(AssignMode.Atss, HeadKind.Parallel)]
    [InlineData(AssignMode.TaskAligned, HeadKind.Parallel)]
    public void One_batch_of_8_equals_4_micro_batches_of_2_in_loss_and_gradients(AssignMode mode, HeadKind head)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        using var model = new ToodDetector(ModelPresets.Tiny(6, head) with { NormEval = true });
        model.train();
        var snapshot = model.parameters().Select(p => p.detach().clone()).ToList();

        using var whole = SynthBatches.Make(64, seed: 41, Sources, [0, 1, 2, 3, 4, 5, 6, 7]);
        var (lossWhole, gradsWhole) = Step(model, mode, [whole]);

        using (no_grad())
            foreach (var (p, saved) in model.parameters().Zip(snapshot)) p.copy_(saved);
        var micro = Enumerable.Range(0, 4).Select(k => SynthBatches.Make(64, seed: 41, Sources, [2 * k, 2 * k + 1])).ToList();
        var (lossMicro, gradsMicro) = Step(model, mode, micro);
        foreach (var b in micro) b.Dispose();

        Assert.True(lossWhole.Positives > 0, "the scene has positives");
        Close(lossWhole.Total, lossMicro.Total, 1e-5 * Math.Max(1, lossWhole.Total), "total loss");
        Close(lossWhole.Cls, lossMicro.Cls, 1e-5, "cls");
        Close(lossWhole.Bbox, lossMicro.Bbox, 1e-5, "bbox");
        Close(lossWhole.Centerness, lossMicro.Centerness, 1e-5, "centerness");
        Assert.Equal(lossWhole.Positives, 4 * lossMicro.Positives, 1e-6);   // per iteration: 1 vs 4 iterations
        double scale = gradsWhole.Max(g => g.Max(Math.Abs));
        Assert.True(scale > 0);
        for (int i = 0; i < gradsWhole.Count; i++)
            for (int j = 0; j < gradsWhole[i].Length; j++)
                Assert.True(Math.Abs(gradsWhole[i][j] - gradsMicro[i][j]) <= 2e-5 * scale,
                    $"parameter {i}[{j}]: {gradsMicro[i][j]:R} (micro) vs {gradsWhole[i][j]:R} (whole), scale {scale:G4}");
    }

    /// <summary>One optimizer step over <paramref name="batches"/> as one group; the group's loss and gradients.</summary>
    private static (MonitorReading Loss, List<float[]> Grads) Step(ToodDetector model, AssignMode mode, IReadOnlyList<Tood.Train.Data.Batch> batches)
    {
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.SGD(parameters, 0.01);
        using var runner = new StepRunner(model, new ToodLoss(6), parameters, optimizer, CPU, null);
        using var monitor = new StepMonitor(CPU);
        var grads = new List<float[]>();
        runner.BeforeStep = ps => grads.AddRange(ps.Select(p => p.grad is null ? new float[p.numel()] : Floats(p.grad)));
        runner.BeginGroup(mode, batches.Count, batches);
        foreach (var b in batches) runner.RunMicro(b, "test", monitor);
        runner.EndGroup(0.01, monitor);
        return (monitor.Read(new HostReads()), grads);
    }
}
