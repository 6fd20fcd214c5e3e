using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using OpenCvSharp;
using Tood.Realtime.Preprocess;

namespace Tood.Benchmarks;

/// <summary>Letterbox + pack of a 1280×720 BGR frame into a pinned 640×640 uint8 NHWC model input (target ≤ 1 ms).</summary>
[MemoryDiagnoser]
public class LetterboxBenchmark
{
    private Mat _frame = null!;
    private GCHandle _pin;
    private LetterboxTarget _target = null!;

    [GlobalSetup]
    public void Setup()
    {
        _frame = new Mat(720, 1280, MatType.CV_8UC3);
        Cv2.Randu(_frame, Scalar.All(0), Scalar.All(255));
        var buffer = GC.AllocateArray<byte>(640 * 640 * 3, pinned: true);
        _pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        _target = new LetterboxTarget(_pin.AddrOfPinnedObject(), 640, 640);
    }

    [Benchmark]
    public int Letterbox_1280x720_to_640x640() => _target.Write(_frame).ResizedHeight;

    [GlobalCleanup]
    public void Cleanup()
    {
        _target.Dispose();
        _frame.Dispose();
        _pin.Free();
    }
}
