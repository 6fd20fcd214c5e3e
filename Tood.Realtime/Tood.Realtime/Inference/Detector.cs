using OpenCvSharp;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Inference;

/// <summary>
/// A TOOD detector exported by <c>tood-train export</c>: loads the .onnx, checks it against
/// <see cref="ModelContract"/> and detects objects in BGR images (boxes in source pixels).
/// Thread-safe for <see cref="Detect(Mat)"/> calls (one model run at a time).
/// </summary>
public sealed class Detector : IDisposable
{
    private readonly InferenceEngine _engine;
    private readonly ThreadLocal<DetectionDecoder> _decoders = new(() => new DetectionDecoder());

    public ModelInfo Model => _engine.Model;
    /// <summary>The device runs go to (auto resolved; CPU once an <c>auto</c> run has lost its GPU for good).</summary>
    public DeviceSpec Device => _engine.Device;
    public DetectorOptions Options { get; }
    public IReadOnlyList<string> ClassNames => _engine.Model.ClassNames;

    internal InferenceEngine Engine => _engine;

    private DecodeOptions _decode;

    private Detector(InferenceEngine engine, DetectorOptions options) { _engine = engine; Options = options; _decode = options.Decode; }

    /// <summary>Thresholds used by the next decode (e.g. set a class filter once the class names are known).</summary>
    public DecodeOptions DecodeOptions
    {
        get => _decode;
        set { value.Validate(); _decode = value; }
    }

    /// <exception cref="FileNotFoundException">the model file does not exist.</exception>
    /// <exception cref="ModelContractException">not an ONNX file, a graph ONNX Runtime cannot run, no Tood metadata, or wrong input/outputs.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">an explicitly requested device is missing or failed to start
    /// (with <c>auto</c>, any GPU provider failure falls back to CPU, logged).</exception>
    public static Detector Load(string modelPath, DetectorOptions? options = null)
    {
        options ??= new DetectorOptions();
        options.Decode.Validate();
        options.Cpu.Validate();
        var engine = InferenceEngine.Create(modelPath, options.Device, options.MaxBatch, Math.Max(1, options.BufferSets), options.LoggerFactory, options.Cpu, options.Faults);
        return new Detector(engine, options);
    }

    public IReadOnlyList<Detection> Detect(Mat image) => Detect([image])[0];

    /// <summary>Detects in several images, run in batches of up to <see cref="DetectorOptions.MaxBatch"/>; results in input order.</summary>
    public IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<Mat> images)
    {
        var results = new List<IReadOnlyList<Detection>>(images.Count);
        var geometry = new Letterbox[_engine.MaxBatch];
        for (int start = 0; start < images.Count; start += _engine.MaxBatch)
        {
            int n = Math.Min(_engine.MaxBatch, images.Count - start);
            var slot = _engine.Rent();
            try
            {
                slot.Load(images, start, n, geometry);
                _engine.Run(slot);
                for (int i = 0; i < n; i++)
                {
                    var list = new List<Detection>();
                    Decode(slot, i, geometry[i], images[start + i].Width, images[start + i].Height, list);
                    results.Add(list);
                }
            }
            finally { _engine.Return(slot); }
        }
        return results;
    }

    internal void Decode(InferenceSlot slot, int image, Letterbox letterbox, int srcWidth, int srcHeight, ICollection<Detection> output) =>
        _decoders.Value!.Decode(slot.Boxes(image), slot.Scores(image), Model.NumClasses, _engine.LevelSizes, _decode,
            letterbox, srcWidth, srcHeight, Model.ClassNames, output);

    public void Dispose()
    {
        _engine.Dispose();
        _decoders.Dispose();
    }
}
