using System.Threading.Channels;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Inference;

/// <summary>
/// Owns the ONNX Runtime session and a small pool of <see cref="InferenceSlot"/>s. Up to
/// <see cref="ConcurrentRuns"/> Runs at a time on the session (a semaphore), each over OrtValues that wrap
/// one slot's pinned memory; outputs land in the slot's pinned buffers so decoding batch k overlaps with
/// running batch k+1.
/// </summary>
internal sealed class InferenceEngine : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly SemaphoreSlim _runLock;
    private readonly Channel<InferenceSlot> _pool = Channel.CreateUnbounded<InferenceSlot>();
    private readonly List<InferenceSlot> _slots = [];
    private static readonly string[] InputNames = [ModelContract.InputName];
    private static readonly string[] OutputNames = [ModelContract.BoxesName, ModelContract.ScoresName];

    public ModelInfo Model { get; }
    public DeviceSpec Device { get; }
    /// <summary>Largest number of images per run.</summary>
    public int MaxBatch { get; }
    /// <summary>When the session has a fixed batch size, every run uses it (partial batches are padded).</summary>
    public int? FixedRunBatch { get; }
    public int Anchors { get; }
    public int[] LevelSizes { get; }
    /// <summary>Runs allowed in flight at once (<see cref="CpuThreading.Runs"/> on CPU, else 1).</summary>
    public int ConcurrentRuns { get; }

    private InferenceEngine(InferenceSession session, ModelInfo model, DeviceSpec device, int maxBatch, int? fixedRunBatch, int anchors, int slots, int concurrentRuns)
    {
        _session = session; Model = model; Device = device; MaxBatch = maxBatch; FixedRunBatch = fixedRunBatch; Anchors = anchors;
        ConcurrentRuns = concurrentRuns;
        _runLock = new SemaphoreSlim(concurrentRuns, concurrentRuns);
        var levels = DetectionDecoder.LevelSizes(model.InputWidth, model.InputHeight, model.Strides);
        LevelSizes = levels.Sum() == anchors ? levels : [anchors];
        int capacity = fixedRunBatch ?? maxBatch;
        for (int i = 0; i < slots; i++)
        {
            var slot = new InferenceSlot(capacity, model.InputWidth, model.InputHeight, anchors, model.NumClasses);
            _slots.Add(slot);
            _pool.Writer.TryWrite(slot);
        }
    }

    public static InferenceEngine Create(string modelPath, DeviceSpec device, int maxBatch, int slots, Action<string>? log, CpuThreading cpu = default)
    {
        if (maxBatch <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatch), "batch must be positive");
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"model not found: {modelPath}", modelPath);
        var available = ExecutionProviderSelector.AvailableProviders();
        var resolved = ExecutionProviderSelector.Resolve(device, available, OperatingSystem.IsWindows(), log);

        InferenceSession? session = null;
        try
        {
            string? batchDim = null;
            ModelInfo info;
            if (resolved.Kind == DeviceKind.DirectML)
            {
                // DirectML wants fixed shapes: read the batch dimension's symbolic name with a CPU probe first.
                using var probeOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
                using var probe = OpenSession(modelPath, probeOptions);
                info = Validate(modelPath, probe, out batchDim, out _);
                if (info.FixedBatch is { } fb && fb != maxBatch)
                    throw new ModelContractException($"model {Path.GetFileName(modelPath)} has a fixed batch of {fb}; use --batch {fb}");
            }
            session = OpenWithDevice(modelPath, ref resolved, device, batchDim, maxBatch, log, cpu);
            info = Validate(modelPath, session, out _, out int anchors);
            int? fixedRun = info.FixedBatch ?? GraphBatch(session) ?? (resolved.Kind == DeviceKind.DirectML ? maxBatch : null);
            if (fixedRun is { } f && maxBatch > f)
                throw new ModelContractException($"model {Path.GetFileName(modelPath)} has a fixed batch of {f}; --batch {maxBatch} is larger");
            // Concurrent runs are a CPU-provider feature; GPU providers (DirectML needs sequential execution) run one at a time.
            int runs = resolved.Kind == DeviceKind.Cpu ? cpu.RunsInFlight : 1;
            var engine = new InferenceEngine(session, info, resolved, maxBatch, fixedRun, anchors, Math.Max(slots, runs + 1), runs);
            session = null;
            return engine;
        }
        finally { session?.Dispose(); }
    }

    private static InferenceSession OpenWithDevice(string path, ref DeviceSpec resolved, DeviceSpec requested, string? batchDim, int batch, Action<string>? log, CpuThreading cpu)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        try
        {
            try { ExecutionProviderSelector.Configure(options, resolved, batchDim, batch); }
            catch (OnnxRuntimeException e) when (requested.Kind == DeviceKind.Auto)
            {
                // Listed but not loadable (e.g. CUDA libraries missing): auto falls back, explicit requests fail below.
                log?.Invoke($"device auto: {resolved} could not be initialised ({FirstLine(e.Message)}); falling back to CPU");
                options.Dispose();
                options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
                resolved = DeviceSpec.Cpu;
            }
            catch (OnnxRuntimeException e)
            {
                throw new ExecutionProviderUnavailableException($"--device {requested}: the execution provider could not be initialised: {FirstLine(e.Message)}");
            }
            if (resolved.Kind == DeviceKind.Cpu) cpu.ApplyTo(options);
            return OpenSession(path, options);
        }
        finally { options.Dispose(); }
    }

    private static InferenceSession OpenSession(string path, SessionOptions options)
    {
        try { return new InferenceSession(path, options); }
        catch (OnnxRuntimeException e)
        {
            throw new ModelContractException($"model {Path.GetFileName(path)} is not a readable ONNX file: {FirstLine(e.Message)}");
        }
    }

    private static int? GraphBatch(InferenceSession session)
    {
        int d = session.InputMetadata[ModelContract.InputName].Dimensions[0];
        return d > 0 ? d : null;
    }

    /// <summary>Checks metadata, input and outputs against <see cref="ModelContract"/>.</summary>
    internal static ModelInfo Validate(string path, InferenceSession session, out string? batchDimName, out int anchors)
    {
        string name = Path.GetFileName(path);
        var info = ModelInfo.FromMetadata(path, session.ModelMetadata.CustomMetadataMap);
        if (!session.InputMetadata.TryGetValue(ModelContract.InputName, out var input) || session.InputMetadata.Count != 1)
            throw new ModelContractException($"model {name}: expected exactly one input '{ModelContract.InputName}', got {Describe(session.InputMetadata)}");
        var d = input.Dimensions;
        bool ok = input.IsTensor && input.ElementDataType == TensorElementType.UInt8 && d.Length == 4 && d[3] == 3
                  && (d[1] < 0 || d[1] == info.InputHeight) && (d[2] < 0 || d[2] == info.InputWidth);
        if (!ok)
            throw new ModelContractException($"model {name}: input '{ModelContract.InputName}' must be uint8 [N,{info.InputHeight},{info.InputWidth},3] (letterboxed BGR), got {Describe(input)}");
        batchDimName = input.SymbolicDimensions.Length > 0 && !string.IsNullOrEmpty(input.SymbolicDimensions[0]) ? input.SymbolicDimensions[0] : null;

        int expectedAnchors = DetectionDecoder.LevelSizes(info.InputWidth, info.InputHeight, info.Strides).Sum();
        anchors = expectedAnchors;
        foreach (var (outName, last) in new[] { (ModelContract.BoxesName, 4), (ModelContract.ScoresName, info.NumClasses) })
        {
            if (!session.OutputMetadata.TryGetValue(outName, out var o))
                throw new ModelContractException($"model {name}: output '{outName}' missing (outputs: {string.Join(", ", session.OutputMetadata.Keys)})");
            var od = o.Dimensions;
            if (!o.IsTensor || o.ElementDataType != TensorElementType.Float || od.Length != 3 || (od[2] >= 0 && od[2] != last))
                throw new ModelContractException($"model {name}: output '{outName}' must be float32 [N,A,{last}], got {Describe(o)}");
            if (od[1] > 0) anchors = od[1];
        }
        var bd = session.OutputMetadata[ModelContract.BoxesName].Dimensions[1];
        var sd = session.OutputMetadata[ModelContract.ScoresName].Dimensions[1];
        if (bd > 0 && sd > 0 && bd != sd)
            throw new ModelContractException($"model {name}: outputs disagree on the anchor count ({bd} vs {sd})");
        return info;
    }

    private static string Describe(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        string.Join(", ", nodes.Select(kv => $"'{kv.Key}' {Describe(kv.Value)}"));

    private static string Describe(NodeMetadata m) =>
        m.IsTensor ? $"{m.ElementDataType.ToString().ToLowerInvariant()} [{string.Join(",", m.Dimensions.Select(x => x < 0 ? "?" : x.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]" : m.OnnxValueType.ToString();

    private static string FirstLine(string s) { int i = s.IndexOf('\n'); return (i < 0 ? s : s[..i]).Trim(); }

    public ValueTask<InferenceSlot> RentAsync(CancellationToken ct) => _pool.Reader.ReadAsync(ct);

    public InferenceSlot Rent()
    {
        if (_pool.Reader.TryRead(out var slot)) return slot;
        return _pool.Reader.ReadAsync().AsTask().GetAwaiter().GetResult();
    }

    public void Return(InferenceSlot slot)
    {
        slot.Count = 0;
        _pool.Writer.TryWrite(slot);
    }

    /// <summary>Runs the model on the slot's first <c>slot.Count</c> images (padded to the fixed batch if the graph needs one).</summary>
    public void Run(InferenceSlot slot)
    {
        if (slot.Count <= 0 || slot.Count > slot.Capacity) throw new ArgumentException($"slot holds {slot.Count} images");
        int n = FixedRunBatch ?? slot.Count;
        var (inputs, outputs) = slot.Values(n);
        _runLock.Wait();
        try { _session.Run(_runOptions, InputNames, inputs, OutputNames, outputs); }
        finally { _runLock.Release(); }
    }

    public void Dispose()
    {
        foreach (var s in _slots) s.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
        _runLock.Dispose();
    }
}
