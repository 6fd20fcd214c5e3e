using System.Diagnostics;
using System.Text.Json;
using Tood.CommandLine;
using Tood.Live.Bench;
using Tood.Live.Cli;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Bench;

/// <summary><c>tood-live bench</c> end to end on the random tiny TOOD export and the 320×240 test clip (8 frames). Speeds are
/// never asserted; what is: the frame counts each mode must process, the modes' wall and CPU time against the test's own
/// clocks around the call (the modes run one after another inside it), and the relations between the report's figures.</summary>
[Collection(RealtimeCollection.Name)]
public class LiveBenchTests(RealtimeFixture fx)
{
    [Fact]
    public async Task Bench_verb_reports_every_mode_with_consistent_ratios()
    {
        const int Frames = 8, Batch = 2;
        var json = fx.PathFor("bench.json");
        var o = new StringWriter();
        var e = new StringWriter();
        string model = fx.TinyModel; // exported before the clocks start
        double cpu0 = ProcessCpu.TotalSeconds();
        var clock = Stopwatch.StartNew();
        int code = await LiveCli.RunAsync(["bench", "--model", model, "--source", fx.Video, "--frames", $"{Frames}", "--batch", $"{Batch}", "--json", json], new CliConsole(o, e, false), CancellationToken.None);
        clock.Stop();
        double cpuCall = ProcessCpu.TotalSeconds() - cpu0;
        Assert.True(code == 0, e.ToString());
        Assert.Contains("pipeline / raw", o.ToString());
        Assert.Contains("baseline 'ORT defaults'", o.ToString());

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var r = doc.RootElement;
        Assert.Equal(Batch, r.GetProperty("batch").GetInt32());
        Assert.Equal("256x256", r.GetProperty("input").GetString());
        Assert.Equal("320x240", r.GetProperty("source_size").GetString());
        // The frames each mode processes: the pipeline and the naive loop read the clip's first 8 frames (it has 48); the raw
        // mode runs at least one batch per run in flight, so with more cores than batches it runs more.
        int cores = Environment.ProcessorCount;
        long clipFrames = Math.Min(Frames, RealtimeFixture.VideoFrames), rawFrames = Math.Max(cores, (Frames + Batch - 1) / Batch) * Batch;
        var modes = new List<JsonElement>();
        double Fps(JsonElement m, long frames)
        {
            modes.Add(m);
            Assert.Equal(frames, m.GetProperty("frames").GetInt64());
            double fps = m.GetProperty("fps").GetDouble(), s = m.GetProperty("seconds").GetDouble();
            Assert.True(fps > 0 && s > 0, $"fps {fps}, seconds {s}");
            Assert.Equal(frames / s, fps, 1e-9 * fps);
            Assert.Equal(1000 * s / frames, m.GetProperty("ms_per_frame").GetDouble(), 1e-9 * s);
            Assert.True(m.GetProperty("peak_working_set_mb").GetDouble() > 10);
            double cpu = m.GetProperty("cpu_seconds").GetDouble();
            Assert.True(cpu > 0, $"cpu {cpu}");
            Assert.Equal(cpu / (s * cores), m.GetProperty("cpu_utilisation").GetDouble(), 1e-12);
            return fps;
        }
        double raw = Fps(r.GetProperty("raw"), rawFrames), pipe = Fps(r.GetProperty("pipeline"), clipFrames), naive = Fps(r.GetProperty("naive"), clipFrames);
        Assert.Equal(pipe / raw, r.GetProperty("pipeline_over_raw").GetDouble(), 1e-12);
        Assert.Equal(pipe / naive, r.GetProperty("pipeline_over_naive").GetDouble(), 1e-12);
        // On CPU both baselines are also measured with ORT's defaults and with one run on every core (spinning);
        // the _best ratios divide by the fastest of each kind.
        Assert.StartsWith($"{cores} run(s) in flight × 1 intra-op thread(s), spin-wait off", r.GetProperty("cpu_threading").GetString());
        var baselines = r.GetProperty("baselines").EnumerateArray().ToList();
        Assert.Equal(["ORT defaults", "1 run x all cores, spinning"], baselines.Select(b => b.GetProperty("name").GetString()));
        double bestRaw = raw, bestNaive = naive;
        foreach (var b in baselines)
        {
            bestRaw = Math.Max(bestRaw, Fps(b.GetProperty("raw"), Frames)); // one run in flight: the batches that hold 8 frames
            bestNaive = Math.Max(bestNaive, Fps(b.GetProperty("naive"), clipFrames));
        }
        Assert.Equal(pipe / bestRaw, r.GetProperty("pipeline_over_best_raw").GetDouble(), 1e-12);
        Assert.Equal(pipe / bestNaive, r.GetProperty("pipeline_over_best_naive").GetDouble(), 1e-12);

        foreach (var stages in new[] { "pipeline_stage_ms", "naive_stage_ms" })
        {
            var s = r.GetProperty(stages);
            foreach (var name in new[] { "capture", "preprocess", "batch", "infer", "postprocess", "render", "write" })
                Assert.True(s.GetProperty(name).GetDouble() >= 0, $"{stages}.{name}");
            // Inference is real work on both paths; its mean per frame cannot exceed the mode's wall time per frame.
            Assert.True(s.GetProperty("infer").GetDouble() > 0);
        }
        // The naive loop times its stages one after another inside its own wall clock: together they fit in its time per frame.
        var naiveStages = r.GetProperty("naive_stage_ms");
        double naiveStageSum = new[] { "capture", "preprocess", "batch", "infer", "postprocess", "render", "write" }.Sum(n => naiveStages.GetProperty(n).GetDouble());
        Assert.True(naiveStageSum <= r.GetProperty("naive").GetProperty("ms_per_frame").GetDouble(), $"naive stages {naiveStageSum} ms > its ms per frame");
        // A frame's latency is a span within the pipeline's run.
        Assert.InRange(r.GetProperty("pipeline_latency_ms").GetDouble(), double.Epsilon, 1000 * r.GetProperty("pipeline").GetProperty("seconds").GetDouble());

        // The modes run one after another within the call: their wall times and their CPU times (this process and its
        // finished encoder children, as the bench counts them) add up to no more than the test's clocks measured around it.
        var dnnResult = r.GetProperty("opencv_dnn").GetProperty("result");
        if (dnnResult.ValueKind == JsonValueKind.Object) modes.Add(dnnResult);
        double modeSeconds = modes.Sum(m => m.GetProperty("seconds").GetDouble()), modeCpu = modes.Sum(m => m.GetProperty("cpu_seconds").GetDouble());
        Assert.True(modeSeconds <= clock.Elapsed.TotalSeconds, $"modes {modeSeconds:0.000} s > the call's {clock.Elapsed.TotalSeconds:0.000} s");
        Assert.True(modeCpu <= cpuCall + 1e-6, $"modes {modeCpu:0.000} CPU s > the call's {cpuCall:0.000} CPU s");

        // The CPU bound, recomputed from the modes' own CPU seconds (the naive loop's include its finished ffmpeg encoder).
        var bound = r.GetProperty("cpu_bound");
        double PerFrame(string mode) => 1000 * r.GetProperty(mode).GetProperty("cpu_seconds").GetDouble() / r.GetProperty(mode).GetProperty("frames").GetInt64();
        double inference = PerFrame("raw"), other = Math.Max(0, PerFrame("naive") - inference);
        Assert.Equal(inference, bound.GetProperty("inference_cpu_ms_per_frame").GetDouble(), 1e-9);
        Assert.Equal(other, bound.GetProperty("other_cpu_ms_per_frame").GetDouble(), 1e-9);
        double boundFps = cores * 1000 / (inference + other);
        Assert.Equal(boundFps, bound.GetProperty("fps").GetDouble(), 1e-9 * boundFps);
        Assert.Equal(pipe / boundFps, bound.GetProperty("pipeline_over_bound").GetDouble(), 1e-9);
        Assert.Equal((inference + other) / PerFrame("pipeline"), bound.GetProperty("cpu_efficiency").GetDouble(), 1e-9);
        Assert.Contains("CPU bound: ", o.ToString());

        // OpenCV DNN: either a measurement or the exact reason (never both, never neither).
        var dnn = r.GetProperty("opencv_dnn");
        bool hasResult = dnn.GetProperty("result").ValueKind == JsonValueKind.Object;
        bool hasError = dnn.GetProperty("error").ValueKind == JsonValueKind.String && dnn.GetProperty("error").GetString()!.Length > 10;
        Assert.True(hasResult ^ hasError, dnn.ToString());
    }

    [Fact]
    public async Task Bench_usage_errors_exit_2_with_one_line()
    {
        var e = new StringWriter();
        int code = await LiveCli.RunAsync(["bench", "--model", fx.TinyModel, "--source", fx.Video, "--frames", "0"], new CliConsole(new StringWriter(), e, false), CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Equal("tood-live bench: error: --frames must be ≥ 1, got 0 (see tood-live bench --help)", e.ToString().Trim());
        e = new StringWriter();
        code = await LiveCli.RunAsync(["bench", "--model", fx.TinyModel, "--source", fx.Video, "--cpu-spin", "maybe"], new CliConsole(new StringWriter(), e, false), CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Equal("tood-live bench: error: --cpu-spin must be on|off, got 'maybe' (see tood-live bench --help)", e.ToString().Trim());
    }
}
