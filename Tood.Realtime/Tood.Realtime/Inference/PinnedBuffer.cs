namespace Tood.Realtime.Inference;

/// <summary>
/// A managed array allocated on the pinned object heap: its address never moves, so ONNX Runtime tensors
/// and OpenCV Mat headers can wrap it without copies or GCHandles (allocated once, reused for the whole run).
/// </summary>
internal sealed unsafe class PinnedBuffer<T> where T : unmanaged
{
    public T[] Array { get; }
    public PinnedBuffer(int length) => Array = GC.AllocateArray<T>(length, pinned: true);
    public int Length => Array.Length;
    public Span<T> Span => Array;
    public nint Pointer => (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref Array[0]);
    public nint PointerAt(int offset) => (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref Array[offset]);
}
