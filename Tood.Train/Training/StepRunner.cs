using System.Diagnostics;
using Tood.Train.Data;
using Tood.Train.Loss;
using Tood.Train.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>
/// One optimizer step over a group of micro-batches (gradient accumulation), normalised as one batch of
/// all their images (spec §4.5, P6), without a host synchronisation:
/// <list type="bullet">
/// <item>ATSS warm-up: the normalisers (#positives, Σ centerness, Σ_i max(n_i, 1)) depend only on anchors and
/// gts, so every micro-batch is assigned before the first forward (<see cref="BeginGroup"/>) and each one's loss
/// is divided by the whole group's divisors.</item>
/// <item>TAL: cls, box (and centerness) share the divisor max(Σ t̂, 1) and negatives have t̂ = 0, so each
/// micro-batch backpropagates its un-normalised sums and the accumulated gradients are divided once by the
/// group's divisor before the step (exact). A group of one uses its own divisors directly.</item>
/// </list>
/// Anchors in each image's padding are invalid (<see cref="Priors.ValidMask"/>).
/// </summary>
internal sealed class StepRunner(ToodDetector model, ToodLoss criterion, OptimizerGroups groups, Device device, double? clipGrad) : IDisposable
{
    private readonly IReadOnlyList<Parameter> parameters = groups.Parameters;
    private readonly SGD optimizer = groups.Optimizer;

    /// <summary>One parameter group at the scheduled rate.</summary>
    public StepRunner(ToodDetector model, ToodLoss criterion, IReadOnlyList<Parameter> parameters, SGD optimizer, Device device, double? clipGrad)
        : this(model, criterion, new OptimizerGroups(optimizer, parameters, [1.0]), device, clipGrad) { }

    private readonly List<BatchAssignment> _warm = [];
    private Tensor? _divisors, _sums, _terms, _alignment;
    private AssignMode _mode;
    private int _size, _done;
    private Tensor? _points, _strides;
    private List<int> _counts = [];
    private (int H, int W) _priorKey;

    /// <summary>In ATSS mode, also measure each micro-batch's alignment (<see cref="Handover"/>): for every gt, TAL's
    /// t = s^α·u^β at its best-aligned inside anchor; read with <see cref="TakeAlignmentSums"/>.</summary>
    public bool MeasureAlignment { get; set; }

    /// <summary>Test hook: sees the group's final gradients (after the TAL rescale, before clipping and the step).</summary>
    internal Action<IReadOnlyList<Parameter>>? BeforeStep { get; set; }

    /// <summary>
    /// Starts a group of <paramref name="size"/> micro-batches. In ATSS mode <paramref name="batches"/> must be
    /// the whole group (assigned here, no prediction needed); in TAL mode it is ignored.
    /// </summary>
    public TimeSpan BeginGroup(AssignMode mode, int size, IReadOnlyList<Batch> batches)
    {
        if (_sums is not null) throw new InvalidOperationException("the previous group was not finished");
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _mode = mode;
        _size = size;
        _done = 0;
        _sums = zeros(LossNormalisers.SumCount, dtype: ScalarType.Float32, device: device);
        _terms = zeros(3, dtype: ScalarType.Float32, device: device);
        if (mode != AssignMode.Atss) return TimeSpan.Zero;

        if (batches.Count != size) throw new ArgumentException($"ATSS needs the whole group of {size} batches, got {batches.Count}", nameof(batches));
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        foreach (var batch in batches)
        {
            var (h, w) = (batch.Height, batch.Width);
            var sizes = Priors.LevelSizes(h, w, model.Strides);
            var (points, strides, counts) = PriorsFor(sizes);
            var valid = Priors.ValidMask(sizes, model.Strides, batch.ContentSizes, device: device);
            var assignment = criterion.AssignWarmup(points, strides, counts, Gts(batch), valid).DetachFromDisposeScope();
            _warm.Add(assignment);
            _sums.add_(LossNormalisers.Sums(assignment));
        }
        _divisors = LossNormalisers.Divisors(mode, _sums, model.Head == HeadKind.Parallel).DetachFromDisposeScope();
        return sw.Elapsed;
    }

    /// <summary>Forward, assignment, loss and backward of the next micro-batch of the group.</summary>
    /// <param name="context">Where this micro-batch is, for the message if its loss is not finite.</param>
    /// <param name="lossHook">Test hook: may replace the total loss before backward.</param>
    public MicroTiming RunMicro(Batch batch, string context, StepMonitor monitor, Func<Tensor, Tensor>? lossHook = null)
    {
        if (_sums is null || _done >= _size) throw new InvalidOperationException("no open group for this micro-batch");
        using var scope = NewDisposeScope();
        long t0 = Stopwatch.GetTimestamp();
        using var output = model.forward(batch.Images.to(device));
        long t1 = Stopwatch.GetTimestamp();
        var sizes = output.LevelSizes;
        var (points, strides, counts) = PriorsFor(sizes);
        var valid = Priors.ValidMask(sizes, output.Strides, batch.ContentSizes, device: device);
        var inputs = new LossInputs(output.FlatScores(), output.FlatBoxes(), points, strides, counts,
            output.Centerness is null ? null : output.FlatCenterness().squeeze(-1), valid);

        if (_mode == AssignMode.Atss && _warm[_done].Labels.shape[1] != points.shape[0])
            throw new InvalidOperationException($"the model produced {points.shape[0]} anchors for a {batch.Height}×{batch.Width} batch, the warm-up assignment {_warm[_done].Labels.shape[1]}");
        if (_mode == AssignMode.Atss && MeasureAlignment) AddAlignment(inputs, batch);
        var sw = Stopwatch.StartNew();
        BatchAssignment? own = _mode == AssignMode.Atss ? null : criterion.Assign(inputs, Gts(batch), _mode);
        var assignTime = sw.Elapsed;
        try
        {
            var divisors = _mode == AssignMode.Atss ? _divisors
                : _size == 1 ? null
                : ones(LossNormalisers.DivisorCount, dtype: ScalarType.Float32, device: device);
            using var loss = criterion.Compute(inputs, own ?? _warm[_done], divisors, assignTime);
            var total = lossHook is null ? loss.Total : lossHook(loss.Total);
            monitor.ObserveLoss(total, context);
            long t2 = Stopwatch.GetTimestamp();
            total.backward();
            long t3 = Stopwatch.GetTimestamp();
            _terms!.add_(loss.Terms);
            // ATSS sums were taken for the whole group in BeginGroup; adding them again doubled the logged positives.
            if (_mode != AssignMode.Atss) _sums.add_(loss.NormaliserSums);
            _done++;
            return new MicroTiming(Seconds(t1 - t0), assignTime.TotalSeconds, Seconds(t2 - t1) - assignTime.TotalSeconds, Seconds(t3 - t2));
        }
        finally
        {
            own?.Dispose();
        }
    }

    /// <summary>
    /// Ends the group: TAL gradient rescale, optional clipping (on the device), SGD step, zeroed gradients,
    /// and the group's normalised terms and positives into <paramref name="monitor"/>.
    /// </summary>
    public void EndGroup(double lr, StepMonitor monitor)
    {
        if (_sums is null || _done != _size) throw new InvalidOperationException($"group ended after {_done} of {_size} micro-batches");
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var terms = _terms!;
            if (_mode == AssignMode.TaskAligned && _size > 1)
            {
                var divisor = LossNormalisers.Divisors(_mode, _sums, model.Head == HeadKind.Parallel)[LossNormalisers.Cls];
                foreach (var p in parameters)
                    p.grad?.div_(divisor);
                terms = terms / divisor;
            }
            BeforeStep?.Invoke(parameters);
            int i = 0;
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr * groups.LrScales[i++];
            if (clipGrad is { } clip) GradClip.ClipNorm(parameters, clip);
            optimizer.step();
            // Free the gradients (PyTorch's zero_grad(set_to_none=True)): they are not held through the next
            // forward, whose end is the step's memory peak, and backward allocates them again.
            model.zero_grad();
            monitor.AddGroup(terms, _sums[LossNormalisers.Positives], _size);
        }
        ResetGroup();
    }

    /// <summary>[2] device sums (Σ best t over gts, number of gts) measured since the last call, or null; the caller reads
    /// them with its epoch-end read (<see cref="AlignmentFrom"/>) and disposes them.</summary>
    public Tensor? TakeAlignmentSums()
    {
        var sums = _alignment;
        _alignment = null;
        return sums;
    }

    /// <summary>The mean best t over gts from host copies of <see cref="TakeAlignmentSums"/>; null without gts.</summary>
    public static double? AlignmentFrom(ReadOnlySpan<float> sums) => sums.Length < 2 || sums[1] <= 0 ? null : sums[0] / sums[1];

    private void AddAlignment(LossInputs inputs, Batch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sums = zeros(2, dtype: ScalarType.Float32, device: device);
        for (int b = 0; b < batch.GtBoxes.Count; b++)
        {
            var gtBoxes = batch.GtBoxes[b].to(device);
            long gts = gtBoxes.shape[0];
            if (gts == 0) continue;
            var (t, _, _) = criterion.TaskAligned.Metric(inputs.Scores[b], inputs.Boxes[b], gtBoxes, batch.GtLabels[b].to(device));
            var inside = Assign.BoxOps.PointsInsideBoxes(inputs.AnchorPoints, gtBoxes);
            if (inputs.ValidMask is { } valid) inside = inside.logical_and(valid[b].unsqueeze(1));
            sums[0].add_(t.where(inside, zeros_like(t)).amax(new long[] { 0 }).sum());
            sums[1].add_(gts);
        }
        if (_alignment is null) _alignment = sums.DetachFromDisposeScope();
        else _alignment.add_(sums);
    }

    private void ResetGroup()
    {
        foreach (var a in _warm) a.Dispose();
        _warm.Clear();
        _divisors?.Dispose();
        _sums?.Dispose();
        _terms?.Dispose();
        _divisors = _sums = _terms = null;
    }

    private (Tensor Points, Tensor Strides, List<int> Counts) PriorsFor(IReadOnlyList<(int Height, int Width)> sizes)
    {
        var key = (sizes[0].Height, sizes[0].Width);
        if (_points is null || key != _priorKey)
        {
            _points?.Dispose();
            _strides?.Dispose();
            _points = Priors.AnchorPoints(sizes, model.Strides, device).DetachFromDisposeScope();
            _strides = Priors.Strides(sizes, model.Strides, device).DetachFromDisposeScope();
            _counts = [.. sizes.Select(s => s.Height * s.Width)];
            _priorKey = key;
        }
        return (_points, _strides!, _counts);
    }

    private static List<GtInstances> Gts(Batch batch) => [.. batch.GtBoxes.Zip(batch.GtLabels, (b, l) => new GtInstances(b, l))];

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    public void Dispose()
    {
        ResetGroup();
        _alignment?.Dispose();
        _points?.Dispose();
        _strides?.Dispose();
    }
}

/// <summary>Seconds spent in the phases of one micro-batch.</summary>
internal readonly record struct MicroTiming(double Forward, double Assign, double Loss, double Backward);
