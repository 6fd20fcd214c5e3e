using System.Globalization;
using OpenCvSharp;
using Tood.Realtime.Mot;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Tracking;
using Tood.Tests.Realtime.Tracking;
using Tood.Train.Data.Synth;

namespace Tood.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Tood.Benchmarks -- tracking [--short]</c>: tracking accuracy on synthetic ground
/// truth (BENCHMARKS.md §9), printed as the markdown table rows there. Three 600-frame crossing videos (seeds 11–13;
/// <c>--short</c>: one video of 150 frames); the tracker alone on noisy ground-truth boxes in several settings, then
/// the shipped tiny shapes model's detections (score ≥ 0.1, <c>Detector.Detect</c> per frame) fed to
/// tracker variants. That the pipeline's tracking scores the same as these per-frame detections is a test
/// (TrackingGroundTruthTests).
/// </summary>
public static class TrackingAccuracy
{
    private const int Width = 320, Height = 256;

    public static void Run(bool quick)
    {
        int[] seeds = quick ? [11] : [11, 12, 13];
        int frames = quick ? 150 : 600;
        var dir = Directory.CreateTempSubdirectory("tood-tracking-bench-");
        try
        {
            var videos = seeds.Select(seed => (Path: Path.Combine(dir.FullName, $"crossing{seed}.mp4"), Seed: seed)).ToList();
            var truths = videos.Select(v => SynthVideo.Write(new SynthGenerator(v.Seed, Width, Height), v.Path, frames, scene: SynthScene.Crossing)).ToList();
            Console.WriteLine($"{seeds.Length} crossing video(s) of {frames} frames at {Width}x{Height} (seeds {string.Join(", ", seeds)})");
            OnNoisyGroundTruth(truths, frames);
            OnTheShippedModel(videos.Select(v => v.Path).ToList(), truths, frames);
        }
        finally { dir.Delete(recursive: true); }
    }

    private static void OnNoisyGroundTruth(List<SynthVideoTruth> videos, int frames)
    {
        Header();
        List<Detection>[] Noisy(SynthVideoTruth v, int seed, NoisyDetections? n = null) => (n ?? new NoisyDetections(Seed: seed)).Make(v.Tracks, frames, Width, Height);
        void Row(string name, Func<SynthVideoTruth, int, MotMetrics> score) => Report(name, videos.Select(score));
        var defaults = new TrackerOptions().WithBufferFor(25);
        Row("perfect boxes (no noise, no drops, no FP)", (v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i, new NoisyDetections(0, 0, 0, 0, i)), defaults));
        Row("noisy: ByteTrack defaults (buffer 25 at 25 fps)", (v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults));
        Row("noisy: no second association (low boxes dropped)", (v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults with { LowThreshold = defaults.HighThreshold }));
        Row("noisy: class-aware matching", (v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults with { ClassAware = true }));
        Row("noisy: buffer 5", (v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults with { TrackBuffer = 5 }));
        Row("noisy: buffer 60", (v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults with { TrackBuffer = 60 }));
        Row("heavier noise (jitter 6 %, 15 % drops, 1 FP/frame)", (v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i, new NoisyDetections(0.06, 0.15, 0.5, 1, i)), defaults));
    }

    private static void OnTheShippedModel(List<string> videos, List<SynthVideoTruth> truths, int frames)
    {
        using var detector = Detector.Load(Repo.Path("samples", "tood_tiny_shapes.onnx"), new DetectorOptions { Device = DeviceSpec.Cpu });
        detector.DecodeOptions = detector.DecodeOptions with { ScoreThreshold = 0.1f };
        var defaults = new TrackerOptions().WithBufferFor(25);
        var variants = new (string Name, TrackerOptions Options)[]
        {
            ("shipped tiny shapes model, conf 0.1, ByteTrack defaults (class-agnostic)", defaults),
            ("same detections, class-aware matching", defaults with { ClassAware = true }),
            ("same detections, no second association", defaults with { LowThreshold = defaults.HighThreshold }),
        };
        var results = variants.Select(_ => new List<MotMetrics>()).ToList();
        for (int i = 0; i < videos.Count; i++)
        {
            var detections = new List<List<Detection>>();
            using (var capture = new VideoCapture(videos[i]))
            using (var frame = new Mat())
                while (capture.Read(frame) && !frame.Empty()) detections.Add([.. detector.Detect(frame)]);
            if (detections.Count != frames) throw new InvalidOperationException($"{videos[i]}: {detections.Count} frames decoded, {frames} written");
            for (int v = 0; v < variants.Length; v++) results[v].Add(TrackingScore.Run(truths[i].Tracks, detections, variants[v].Options));
            Console.WriteLine($"{Path.GetFileName(videos[i])}: {results[0][^1]}");
        }
        Header();
        for (int v = 0; v < variants.Length; v++) Report(variants[v].Name, results[v]);
    }

    private static void Header() =>
        Console.WriteLine("| setting | MOTA | IDF1 | IDSW | FN | FP | Frag | GT boxes | GT IDs | track IDs |\n|---|---|---|---|---|---|---|---|---|---|");

    private static void Report(string name, IEnumerable<MotMetrics> perVideo)
    {
        var all = perVideo.ToList();
        long gt = all.Sum(m => m.GroundTruth), fn = all.Sum(m => m.FalseNegatives), fp = all.Sum(m => m.FalsePositives), sw = all.Sum(m => m.IdSwitches);
        long idtp = all.Sum(m => m.IdTruePositives), hyp = all.Sum(m => m.Hypotheses);
        double mota = 1 - (double)(fn + fp + sw) / gt, idf1 = 2.0 * idtp / (gt + hyp);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {mota:P1} | {idf1:P1} | {sw} | {fn} | {fp} | {all.Sum(m => m.Fragmentations)} | {gt} | {all.Sum(m => m.GroundTruthIds)} | {all.Sum(m => m.HypothesisIds)} |"));
    }
}
