using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Inference;

/// <summary>
/// Owns the ONNX Runtime session and a small pool of <see cref="InferenceSlot"/>s. Up to
/// <see cref="ConcurrentRuns"/> Runs at a time on the session (a semaphore), each over OrtValues that wrap
/// one slot's pinned memory; outputs land in the slot's pinned buffers so decoding batch k overlaps with
/// running batch k+1. Sessions come from a <see cref="SessionFactory"/>, which also rebuilds them when a GPU is
/// lost during a run (<see cref="Run"/>).
/// </summary>
internal sealed class InferenceEngine : IDisposable
{
    private InferenceSession _session;
    private readonly SessionFactory _factory;
    private readonly DeviceSpec _requested;
    private readonly CpuThreading _cpu;
    private readonly ILogger _logger;
    private readonly DeviceFaultInjection? _faults;
    private bool _rebuilt;
    private DeviceSpec _device;
    private readonly Lock _deviceLock = new();
    private readonly RunOptions _runOptions = new();
    private readonly SemaphoreSlim _runLock;
    private readonly Channel<InferenceSlot> _pool = Channel.CreateUnbounded<InferenceSlot>();
    private readonly List<InferenceSlot> _slots = [];
    private static readonly string[] InputNames = [ModelContract.InputName];
    private static readonly string[] OutputNames = [ModelContract.BoxesName, ModelContract.ScoresName];

    public ModelInfo Model { get; }
    /// <summary>The device runs go to: auto resolved, and CPU after an <c>auto</c> run lost its GPU twice.</summary>
    public DeviceSpec Device { get { lock (_deviceLock) return _device; } }
    /// <summary>Largest number of images per run.</summary>
    public int MaxBatch { get; }
    /// <summary>When the session has a fixed batch size, every run uses it (partial batches are padded).</summary>
    public int? FixedRunBatch { get; }
    public int Anchors { get; }
    public int[] LevelSizes { get; }
    /// <summary>Runs allowed in flight at once (<see cref="CpuThreading.Runs"/> on CPU, else 1).</summary>
    public int ConcurrentRuns { get; }

    private InferenceEngine(InferenceSession session, SessionFactory factory, DeviceSpec requested, DeviceSpec device, ModelInfo model,
        int maxBatch, int? fixedRunBatch, int anchors, int slots, int concurrentRuns, CpuThreading cpu, ILogger logger, DeviceFaultInjection? faults)
    {
        _session = session; _factory = factory; _requested = requested; _device = device; _cpu = cpu; _logger = logger; _faults = faults;
        Model = model; MaxBatch = maxBatch; FixedRunBatch = fixedRunBatch; Anchors = anchors;
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

    public static InferenceEngine Create(string modelPath, DeviceSpec device, int maxBatch, int slots, ILoggerFactory loggerFactory,
        CpuThreading cpu = default, DeviceFaultInjection? faults = null)
    {
        var logger = loggerFactory.CreateLogger<InferenceEngine>();
        if (maxBatch <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatch), "batch must be positive");
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"model not found: {modelPath}", modelPath);
        var resolved = faults?.SimulatedDevice
                       ?? ExecutionProviderSelector.Resolve(device, ExecutionProviderSelector.AvailableProviders(), OperatingSystem.IsWindows(), loggerFactory);
        var factory = new SessionFactory(modelPath, maxBatch, loggerFactory, faults);
        var (opened, onDevice) = factory.OpenFirst(device, resolved, cpu);
        InferenceSession? session = opened;
        try
        {
            var info = Validate(modelPath, session, out _, out int anchors);
            if (Int8Providers.Warning(info, onDevice) is { } int8) logger.LogWarning("{Warning}", int8);
            int? fixedRun = info.FixedBatch ?? GraphBatch(session) ?? (onDevice.Kind == DeviceKind.DirectML ? maxBatch : null);
            if (fixedRun is { } f && maxBatch > f)
                throw new ModelContractException($"model {Path.GetFileName(modelPath)} has a fixed batch of {f}; --batch {maxBatch} is larger");
            // Concurrent runs are a CPU-provider feature; GPU providers (DirectML needs sequential execution) run one
            // at a time, which is also what lets a lost device be rebuilt under the one run permit (Recover).
            int runs = onDevice.Kind == DeviceKind.Cpu ? cpu.RunsInFlight : 1;
            var engine = new InferenceEngine(session, factory, device, onDevice, info, maxBatch, fixedRun, anchors,
                Math.Max(slots, runs + 1), runs, cpu, logger, faults);
            session = null;
            return engine;
        }
        finally { session?.Dispose(); }
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

    /// <summary>
    /// Runs the model on the slot's first <c>slot.Count</c> images (padded to the fixed batch if the graph needs one).
    /// A GPU lost during the run (<see cref="OrtErrors.IsDeviceLost"/>) is recovered here (<see cref="Recover"/>) and
    /// the same slot runs again, so the caller sees one successful run: no frame is lost or reordered.
    /// </summary>
    /// <exception cref="DeviceLostException">an explicitly requested GPU was lost and the rebuilt session did not recover.</exception>
    public void Run(InferenceSlot slot)
    {
        if (slot.Count <= 0 || slot.Count > slot.Capacity) throw new ArgumentException($"slot holds {slot.Count} images");
        int n = FixedRunBatch ?? slot.Count;
        var (inputs, outputs) = slot.Values(n);
        _runLock.Wait();
        try
        {
            while (true)
            {
                try
                {
                    if (Device.Kind != DeviceKind.Cpu && _faults?.OnRun(Device) is { } fault) throw fault;
                    _session.Run(_runOptions, InputNames, inputs, OutputNames, outputs);
                    return;
                }
                catch (Exception e) when (OrtErrors.IsDeviceLost(e, Device.Kind)) { Recover(e); }
            }
        }
        finally { _runLock.Release(); }
    }

    /// <summary>
    /// A lost GPU: the first time, a new session on the same device (a driver reset usually leaves it usable
    /// again); after that (lost again, or the rebuild failed) <c>auto</c> continues on the CPU and an explicit
    /// device is a <see cref="DeviceLostException"/>. Logged. The caller holds the run permit and a GPU engine
    /// has exactly one (<see cref="ConcurrentRuns"/> = 1), so no other run uses the session being replaced.
    /// </summary>
    private void Recover(Exception lost)
    {
        var device = Device;
        string reason = OrtErrors.FirstLine(lost);
        if (!_rebuilt)
        {
            _rebuilt = true;
            _logger.LogWarning("device {Device}: lost during a run ({Reason}); rebuilding the session", device, reason);
            try { Replace(_factory.Open(device, _cpu), device); return; }
            catch (Exception e) when (OrtErrors.IsProviderFailure(e)) { reason = $"could not be rebuilt: {OrtErrors.FirstLine(e)}"; }
        }
        else reason = $"lost again: {reason}";
        if (_requested.Kind != DeviceKind.Auto)
            throw new DeviceLostException($"--device {_requested}: the device was lost during a run and the rebuilt session did not recover ({reason}); use --device auto to continue on the CPU");
        _logger.LogWarning("device auto: {Device} {Reason}; continuing on CPU", device, reason);
        // One run at a time (the pipeline sized itself for the GPU), using every core.
        Replace(_factory.Open(DeviceSpec.Cpu, new CpuThreading(null, _cpu.SpinWait, 1)), DeviceSpec.Cpu);
    }

    private void Replace(InferenceSession session, DeviceSpec device)
    {
        var old = _session;
        _session = session;
        lock (_deviceLock) _device = device;
        old.Dispose();
    }

    public void Dispose()
    {
        foreach (var s in _slots) s.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
        _runLock.Dispose();
    }
}
