using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Preprocess;

namespace Tood.Realtime.Pipeline;

/// <summary>A pinned letterbox buffer for one frame, returned to its pool after batch assembly.</summary>
internal sealed class FrameBuffer : IDisposable
{
    private readonly PinnedBuffer<byte> _memory;
    public LetterboxTarget Target { get; }
    public FrameBuffer(int width, int height)
    {
        _memory = new PinnedBuffer<byte>(width * height * 3);
        Target = new LetterboxTarget(_memory.Pointer, width, height);
    }
    public ReadOnlySpan<byte> Bytes => _memory.Span;
    public void Dispose() => Target.Dispose();
}

/// <summary>Fixed set of <see cref="FrameBuffer"/>s; renting waits when all are in flight (backpressure, flat memory).</summary>
internal sealed class FrameBufferPool : IDisposable
{
    private readonly System.Threading.Channels.Channel<FrameBuffer> _free = System.Threading.Channels.Channel.CreateUnbounded<FrameBuffer>();
    private readonly List<FrameBuffer> _all = [];

    public FrameBufferPool(int count, int width, int height)
    {
        for (int i = 0; i < count; i++) { var b = new FrameBuffer(width, height); _all.Add(b); _free.Writer.TryWrite(b); }
    }

    public ValueTask<FrameBuffer> RentAsync(CancellationToken ct) => _free.Reader.ReadAsync(ct);
    public void Return(FrameBuffer b) => _free.Writer.TryWrite(b);
    public void Dispose() { foreach (var b in _all) b.Dispose(); }
}

/// <summary>One frame travelling through the stages. Owns the decoded Mat until the last stage disposes it.</summary>
internal sealed class FrameEnvelope(long index, double timeSeconds, long captureTimestamp, Mat frame) : IDisposable
{
    /// <summary>Which source (0-based, in the order given) the frame came from.</summary>
    public int Stream { get; init; }
    public long Index { get; } = index;
    public double TimeSeconds { get; } = timeSeconds;
    public long CaptureTimestamp { get; } = captureTimestamp;
    public Mat Frame { get; } = frame;
    /// <summary>The image's name for sources of named stills (<see cref="Video.IFrameSource.FrameName"/>); null for video.</summary>
    public string? Name { get; init; }
    public FrameBuffer? Buffer { get; set; }
    public Letterbox Letterbox { get; set; }
    public List<Detection> Detections { get; } = [];
    /// <summary>The status line for displays, when it is not drawn on <see cref="Frame"/>.</summary>
    public string? Status { get; set; }
    public FrameBufferPool? Pool { get; set; }

    public void ReleaseBuffer()
    {
        if (Buffer is { } b) { Pool?.Return(b); Buffer = null; }
    }

    public void Dispose()
    {
        ReleaseBuffer();
        Frame.Dispose();
    }
}

/// <summary>A batch of frames whose letterboxed images sit in an inference slot.</summary>
internal sealed class FrameBatch(InferenceSlot slot, FrameEnvelope[] frames)
{
    private InferenceSlot? _slot = slot;
    public InferenceSlot Slot => _slot ?? throw new InvalidOperationException("slot already returned");
    /// <summary>Entries are set to null once handed to the next stage.</summary>
    public FrameEnvelope?[] Frames { get; } = frames;

    public void ReturnSlot(InferenceEngine engine)
    {
        if (_slot is { } s) { _slot = null; engine.Return(s); }
    }

    /// <summary>Failure path: return the slot and dispose frames not yet handed on.</summary>
    public void Release(InferenceEngine engine)
    {
        ReturnSlot(engine);
        for (int i = 0; i < Frames.Length; i++) { Frames[i]?.Dispose(); Frames[i] = null; }
    }
}
