using System.Diagnostics;
using Tood.Realtime.Inference;
using Tood.Train.Data;
using Tood.Train.Data.Augment;
using Tood.Train.Data.Synth;
using Tood.Train.Loss;
using Tood.Train.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>
/// Training steps at a non-square W×H canvas (the r50 recipe's 1344×800) for <c>bench-train</c>: the trainer's
/// own step code (<see cref="StepRunner"/>: forward, assignment, loss, backward, SGD) on synthetic shapes
/// images rendered at W×H, without the data loader (no decode or resize cost in the figures). Batch size, preset and
/// assigner as in the options; the model starts from its random initialisation (memory and time do not
/// depend on the weights).
/// </summary>
internal static class CanvasStepProbe
{
    public static List<StepTiming> Run(TrainBenchOptions o, int width, int height, Action afterWarmup, CancellationToken ct)
    {
        if (width < 32 || height < 32 || width % 32 != 0 || height % 32 != 0)
            throw new Tood.CommandLine.UsageException($"canvas must be multiples of 32, got {width}x{height}");
        var device = DeviceSelector.Resolve(o.Device);
        int classes = SynthShape.ClassNames.Length;
        torch.manual_seed(0);
        using var model = new ToodDetector(ModelPresets.Get(o.Preset, classes));
        model.to(device);
        model.train();
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        var d = new TrainOptions { TrainAnnotations = "", TrainImages = "", RunDir = "" };
        using var optimizer = optim.SGD(parameters, d.Lr, d.Momentum, 0, d.WeightDecay, false);
        var mode = o.Atss ? AssignMode.Atss : AssignMode.TaskAligned;
        using var runner = new StepRunner(model, new ToodLoss(classes), parameters, optimizer, device, null);
        using var monitor = new StepMonitor(device);
        var generator = new SynthGenerator(seed: 1, width, height);
        var timings = new List<StepTiming>();
        for (int step = 0; step <= o.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            using var batch = Render(generator, step, o.BatchSize, width, height);
            double render = Seconds(Stopwatch.GetTimestamp() - t0);
            var assign = runner.BeginGroup(mode, 1, [batch]).TotalSeconds;
            var t = runner.RunMicro(batch, $"probe step {step}", monitor);
            long t1 = Stopwatch.GetTimestamp();
            runner.EndGroup(d.Lr, monitor);
            double optimizerSeconds = Seconds(Stopwatch.GetTimestamp() - t1);
            timings.Add(new StepTiming(0, step + 1, render, t.Forward, t.Assign + assign, t.Loss, t.Backward, optimizerSeconds,
                Seconds(Stopwatch.GetTimestamp() - t0), 0));
            if (step == 0) afterWarmup();
        }
        return timings;
    }

    /// <summary>A batch of rendered synthetic images filling the W×H canvas (content = canvas).</summary>
    private static Batch Render(SynthGenerator generator, int step, int batchSize, int width, int height)
    {
        int plane = 3 * width * height;
        var pixels = new float[batchSize * plane];
        var boxes = new Tensor[batchSize];
        var labels = new Tensor[batchSize];
        var ids = new long[batchSize];
        for (int b = 0; b < batchSize; b++)
        {
            int index = step * batchSize + b;
            var (image, objects) = generator.Render(index);
            using (image)
                ImageTransform.ToNormalizedChw(image, pixels.AsSpan(b * plane, plane), ModelContract.DefaultMean, ModelContract.DefaultStd);
            var kept = objects.Where(x => !x.Crowd).ToList();
            boxes[b] = torch.tensor(kept.SelectMany(x => new[] { x.X1, x.Y1, x.X2, x.Y2 }).ToArray(), [kept.Count, 4]);
            labels[b] = torch.tensor(kept.Select(x => (long)x.Kind).ToArray(), [kept.Count]);
            ids[b] = index;
        }
        var placements = Enumerable.Repeat(new Placement(1f, 1f, width, height, 0, 0, false, width, height), batchSize).ToArray();
        return new Batch(0, step, torch.tensor(pixels, [batchSize, 3, height, width]), boxes, labels, ids, placements,
            [.. Enumerable.Repeat(width, batchSize)], [.. Enumerable.Repeat(height, batchSize)]);
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}
