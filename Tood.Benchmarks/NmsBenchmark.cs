using BenchmarkDotNet.Attributes;
using Tood.Realtime.Postprocess;

namespace Tood.Benchmarks;

/// <summary>Class-aware greedy NMS over 1000 candidates (40 overlapping clusters, 5 classes, IoU 0.6, max-det 100; target ≤ 0.5 ms).</summary>
[MemoryDiagnoser]
public class NmsBenchmark
{
    private const int Count = 1000;
    private readonly float[] _boxes = new float[Count * 4], _scores = new float[Count];
    private readonly int[] _classes = new int[Count], _keep = new int[Count];
    private readonly Nms _nms = new();

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        for (int i = 0; i < Count; i++)
        {
            float cx = 100 + 400 * (i % 40) / 40f + rng.NextSingle() * 20, cy = 100 + rng.NextSingle() * 400;
            float w = 40 + rng.NextSingle() * 60, h = 40 + rng.NextSingle() * 60;
            _boxes[4 * i] = cx - w / 2; _boxes[4 * i + 1] = cy - h / 2; _boxes[4 * i + 2] = cx + w / 2; _boxes[4 * i + 3] = cy + h / 2;
            _scores[i] = rng.NextSingle();
            _classes[i] = rng.Next(5);
        }
    }

    [Benchmark]
    public int Nms_1000_candidates() => _nms.Run(_boxes, _scores, _classes, Count, 0.6f, 100, _keep);
}
