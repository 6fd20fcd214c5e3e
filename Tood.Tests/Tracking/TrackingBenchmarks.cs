using System.Globalization;
using Tood.Realtime.Evaluation.Mot;
using Tood.Realtime.Inference;
using Tood.Realtime.Mot;
using Tood.Realtime.Pipeline;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Tracking;
using Tood.Tests.Data;
using Tood.Tests.Realtime;
using Tood.Train.Data.Synth;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Tracking;

/// <summary>
/// Tracking accuracy on synthetic ground truth (BENCHMARKS.md "Tracking"), printed to the test output:
/// <c>TOOD_BENCH=1 dotnet test Tood.Tests -c Release --filter "FullyQualifiedName~TrackingBenchmarks" --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class TrackingBenchmarks(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static readonly int[] Seeds = [11, 12, 13];
    private const int Frames = 600, Width = 320, Height = 256;

    private SynthVideoTruth Video(int seed) =>
        SynthVideo.Write(new SynthGenerator(seed, Width, Height), Path.Combine(_tmp.Path, $"crossing{seed}.mp4"), Frames, scene: SynthScene.Crossing);

    private void Report(string name, IEnumerable<MotMetrics> perVideo)
    {
        var all = perVideo.ToList();
        long gt = all.Sum(m => m.GroundTruth), fn = all.Sum(m => m.FalseNegatives), fp = all.Sum(m => m.FalsePositives), sw = all.Sum(m => m.IdSwitches);
        long idtp = all.Sum(m => m.IdTruePositives), hyp = all.Sum(m => m.Hypotheses);
        double mota = 1 - (double)(fn + fp + sw) / gt, idf1 = 2.0 * idtp / (gt + hyp);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {mota:P1} | {idf1:P1} | {sw} | {fn} | {fp} | {all.Sum(m => m.Fragmentations)} | {gt} | {all.Sum(m => m.GroundTruthIds)} | {all.Sum(m => m.HypothesisIds)} |"));
    }

    private void Header() =>
        output.WriteLine("| setting | MOTA | IDF1 | IDSW | FN | FP | Frag | GT boxes | GT IDs | track IDs |\n|---|---|---|---|---|---|---|---|---|---|");

    [BenchmarkFact]
    public void Tracker_on_noisy_ground_truth()
    {
        var videos = Seeds.Select(Video).ToList();
        Header();
        List<Detection>[] Noisy(SynthVideoTruth v, int seed, NoisyDetections? n = null) => (n ?? new NoisyDetections(Seed: seed)).Make(v.Tracks, Frames, Width, Height);
        var defaults = new TrackerOptions().WithBufferFor(25);
        Report("perfect boxes (no noise, no drops, no FP)", videos.Select((v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i, new NoisyDetections(0, 0, 0, 0, i)), defaults)));
        Report("noisy: ByteTrack defaults (buffer 25 at 25 fps)", videos.Select((v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults)));
        Report("noisy: no second association (low boxes dropped)", videos.Select((v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults with { LowThreshold = defaults.HighThreshold })));
        Report("noisy: class-aware matching", videos.Select((v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults with { ClassAware = true })));
        Report("noisy: buffer 5", videos.Select((v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults with { TrackBuffer = 5 })));
        Report("noisy: buffer 60", videos.Select((v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i), defaults with { TrackBuffer = 60 })));
        Report("heavier noise (jitter 6 %, 15 % drops, 1 FP/frame)", videos.Select((v, i) => TrackingScore.Run(v.Tracks, Noisy(v, i, new NoisyDetections(0.06, 0.15, 0.5, 1, i)), defaults)));
    }

    /// <summary>
    /// The shipped model's detections (score ≥ 0.1, Detector.Detect per frame) fed to tracker variants; the default
    /// variant is also run through the real pipeline (tracking hook + MOT sink) on the first video and must score the same.
    /// </summary>
    [BenchmarkFact]
    public async Task Tracker_on_the_shipped_model()
    {
        using var detector = Detector.Load(SampleModelAccuracyTests.SampleModelPath, new DetectorOptions { Device = DeviceSpec.Cpu });
        detector.DecodeOptions = detector.DecodeOptions with { ScoreThreshold = 0.1f };
        var defaults = new TrackerOptions().WithBufferFor(25);
        var variants = new (string Name, TrackerOptions Options)[]
        {
            ("shipped tiny shapes model, conf 0.1, ByteTrack defaults (class-agnostic)", defaults),
            ("same detections, class-aware matching", defaults with { ClassAware = true }),
            ("same detections, no second association", defaults with { LowThreshold = defaults.HighThreshold }),
        };
        var results = variants.Select(_ => new List<MotMetrics>()).ToList();
        foreach (int seed in Seeds)
        {
            var truth = Video(seed);
            var detections = new List<List<Detection>>();
            using (var capture = new OpenCvSharp.VideoCapture(Path.Combine(_tmp.Path, $"crossing{seed}.mp4")))
            using (var frame = new OpenCvSharp.Mat())
                while (capture.Read(frame) && !frame.Empty()) detections.Add([.. detector.Detect(frame)]);
            Assert.Equal(Frames, detections.Count);
            for (int v = 0; v < variants.Length; v++) results[v].Add(TrackingScore.Run(truth.Tracks, detections, variants[v].Options));
            output.WriteLine($"seed {seed}: {results[0][^1]}");
            if (seed != Seeds[0]) continue;

            var mot = Path.Combine(_tmp.Path, $"crossing{seed}.mot.txt");
            await new VideoPipeline(detector, new VideoPipelineOptions
            {
                Source = Path.Combine(_tmp.Path, $"crossing{seed}.mp4"), Tracking = defaults, MotPath = mot, DrawStatus = false,
            }).RunAsync();
            var piped = MotAccumulator.Evaluate(truth.Tracks, MotFile.Read(mot));
            Assert.Equal((results[0][0].Matches, results[0][0].IdSwitches, results[0][0].FalsePositives, results[0][0].IdTruePositives),
                (piped.Matches, piped.IdSwitches, piped.FalsePositives, piped.IdTruePositives));
        }
        Header();
        for (int v = 0; v < variants.Length; v++) Report(variants[v].Name, results[v]);
    }
}
