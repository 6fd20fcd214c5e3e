using Microsoft.ML.OnnxRuntime;
using Tood.Realtime.Preprocess;

namespace Tood.Realtime.Inference;

/// <summary>
/// One reusable set of pinned input/output buffers for up to <see cref="Capacity"/> images plus the
/// OrtValues that wrap them (one per run batch size, created on first use, then reused): inference
/// allocates no tensors per frame. A slot is owned by one batch at a time (rented from the engine's pool).
/// </summary>
internal sealed class InferenceSlot : IDisposable
{
    private readonly PinnedBuffer<byte> _input;
    private readonly PinnedBuffer<float> _boxes, _scores;
    private readonly int _imageBytes, _anchors, _classes, _height, _width;
    private readonly OrtValue?[][] _valuesByBatch; // [n-1] → {input, boxes, scores}
    private readonly OrtValue[]?[] _inputsByBatch, _outputsByBatch;
    private readonly LetterboxTarget[] _targets;

    public int Capacity { get; }
    /// <summary>Images written for the current batch.</summary>
    public int Count { get; set; }

    public InferenceSlot(int capacity, int width, int height, int anchors, int classes)
    {
        Capacity = capacity; _width = width; _height = height; _anchors = anchors; _classes = classes;
        _imageBytes = width * height * 3;
        _input = new PinnedBuffer<byte>(capacity * _imageBytes);
        _boxes = new PinnedBuffer<float>(capacity * anchors * 4);
        _scores = new PinnedBuffer<float>(capacity * anchors * classes);
        _valuesByBatch = new OrtValue?[capacity][];
        _inputsByBatch = new OrtValue[]?[capacity];
        _outputsByBatch = new OrtValue[]?[capacity];
        _targets = new LetterboxTarget[capacity];
        for (int i = 0; i < capacity; i++) _targets[i] = new LetterboxTarget(_input.PointerAt(i * _imageBytes), width, height);
    }

    /// <summary>
    /// The one routine that puts frames into a model input: letterboxes <paramref name="count"/> frames from
    /// <paramref name="start"/> into images 0…count-1 (the runtime's <see cref="LetterboxTarget"/>), records each
    /// frame's geometry for decoding and sets <see cref="Count"/>.
    /// </summary>
    public void Load(IReadOnlyList<OpenCvSharp.Mat> frames, int start, int count, Span<Letterbox> geometry)
    {
        for (int i = 0; i < count; i++) geometry[i] = _targets[i].Write(frames[start + i]);
        Count = count;
    }

    /// <summary>Image <paramref name="image"/> of the model input (uint8 HWC BGR).</summary>
    public ReadOnlySpan<byte> Image(int image) => _input.Span.Slice(image * _imageBytes, _imageBytes);

    /// <summary>Copies an image letterboxed ahead of time (file mode's parallel letterbox stage) into image <paramref name="image"/>.</summary>
    public void CopyImage(int image, ReadOnlySpan<byte> letterboxed) => letterboxed.CopyTo(_input.Span.Slice(image * _imageBytes, _imageBytes));
    public ReadOnlySpan<float> Boxes(int image) => _boxes.Span.Slice(image * _anchors * 4, _anchors * 4);
    public ReadOnlySpan<float> Scores(int image) => _scores.Span.Slice(image * _anchors * _classes, _anchors * _classes);

    /// <summary>Inputs and outputs for a run over the first <paramref name="n"/> images.</summary>
    public (OrtValue[] Inputs, OrtValue[] Outputs) Values(int n)
    {
        if (_inputsByBatch[n - 1] is { } ins) return (ins, _outputsByBatch[n - 1]!);
        var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            new Memory<byte>(_input.Array, 0, n * _imageBytes), [n, _height, _width, 3]);
        var boxes = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            new Memory<float>(_boxes.Array, 0, n * _anchors * 4), [n, _anchors, 4]);
        var scores = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            new Memory<float>(_scores.Array, 0, n * _anchors * _classes), [n, _anchors, _classes]);
        _valuesByBatch[n - 1] = [input, boxes, scores];
        _inputsByBatch[n - 1] = [input];
        _outputsByBatch[n - 1] = [boxes, scores];
        return (_inputsByBatch[n - 1]!, _outputsByBatch[n - 1]!);
    }

    public void Dispose()
    {
        foreach (var set in _valuesByBatch)
            if (set is not null) foreach (var v in set) v?.Dispose();
        foreach (var t in _targets) t.Dispose();
    }
}
