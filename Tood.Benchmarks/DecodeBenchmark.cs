using BenchmarkDotNet.Attributes;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;

namespace Tood.Benchmarks;

/// <summary>
/// Full box decoding of one 640×640 output (A = 8525 anchors × K = 80 classes): threshold, per-level top-1000,
/// clip, class-aware NMS, max-det 100, undo letterbox. Scores are sparse like a trained model (~1 % above 0.05).
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmark
{
    private const int K = 80;
    private int[] _levels = [];
    private float[] _scores = [], _boxes = [];
    private readonly DetectionDecoder _decoder = new();
    private readonly List<Detection> _out = [];
    private readonly Letterbox _letterbox = Letterbox.Compute(1280, 720, 640, 640);
    private readonly string[] _names = [.. Enumerable.Range(0, K).Select(i => $"c{i}")];
    private DecodeOptions _options = new();

    [Params(0.05f, 0.25f)]
    public float Threshold { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _levels = DetectionDecoder.LevelSizes(640, 640, [8, 16, 32, 64, 128]);
        int a = _levels.Sum();
        _scores = new float[a * K];
        _boxes = new float[a * 4];
        for (int i = 0; i < _scores.Length; i++) _scores[i] = rng.NextSingle() < 0.01f ? rng.NextSingle() : rng.NextSingle() * 0.04f;
        for (int i = 0; i < a; i++)
        {
            float x = rng.NextSingle() * 600, y = rng.NextSingle() * 600;
            _boxes[4 * i] = x; _boxes[4 * i + 1] = y; _boxes[4 * i + 2] = x + 40; _boxes[4 * i + 3] = y + 40;
        }
        _options = new DecodeOptions { ScoreThreshold = Threshold };
    }

    [Benchmark]
    public int Decode_8525x80()
    {
        _out.Clear();
        return _decoder.Decode(_boxes, _scores, K, _levels, _options, _letterbox, 1280, 720, _names, _out);
    }
}
