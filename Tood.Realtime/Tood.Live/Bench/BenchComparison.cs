using Microsoft.Extensions.Logging;
using Tood.Realtime.Inference;

namespace Tood.Live.Bench;

/// <summary>
/// <c>tood-live bench --model A --model B ...</c>: the same measurements for several models in one process, interleaved
/// (A, B, A, B, ...) for <see cref="BenchOptions.Rounds"/> rounds and reported as medians, so a machine whose speed
/// drifts (shared cores, turbo, thermals) slows every model alike and the ratios hold. Per model: raw session.Run on
/// pre-filled buffers with the pipeline's CPU threading (throughput: ms per frame), raw with one run on every core
/// (latency: ms per frame of a single run), and the file-mode VideoPipeline (FPS).
/// </summary>
public static class BenchComparison
{
    public static async Task<ComparisonReport> RunAsync(IReadOnlyList<string> models, BenchOptions o, CancellationToken ct = default)
    {
        if (models.Count < 2) throw new ArgumentException("a comparison needs at least two models", nameof(models));
        if (o.Frames < 1 || o.Batch < 1 || o.Rounds < 1) throw new ArgumentOutOfRangeException(nameof(o), "--frames, --batch and --rounds must be ≥ 1");
        var log = o.LoggerFactory.CreateLogger(typeof(BenchComparison));
        var latencyThreading = new CpuThreading(Environment.ProcessorCount, o.Cpu.SpinWait, 1);
        var throughput = new List<Detector>();
        var latency = new List<Detector>();
        var tmp = Directory.CreateTempSubdirectory("tood-bench-").FullName;
        try
        {
            foreach (var m in models)
            {
                var om = o with { Model = m };
                throughput.Add(BenchRunner.Load(om, o.Cpu));
                // GPU providers run one at a time anyway; a second session would only double the device memory.
                latency.Add(throughput[^1].Device.Kind == DeviceKind.Cpu ? BenchRunner.Load(om, latencyThreading) : throughput[^1]);
            }
            var raw = models.Select(_ => new List<ModeResult>()).ToList();
            var single = models.Select(_ => new List<ModeResult>()).ToList();
            var pipe = models.Select(_ => new List<ModeResult>()).ToList();
            for (int r = 0; r < o.Rounds; r++)
                for (int i = 0; i < models.Count; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    log.LogInformation("round {Round}/{Rounds}: {Model} raw ...", r + 1, o.Rounds, Path.GetFileName(models[i]));
                    raw[i].Add(BenchRunner.Raw(throughput[i], o with { Model = models[i] }));
                    single[i].Add(BenchRunner.Raw(latency[i], o with { Model = models[i] }));
                }
            for (int r = 0; r < o.Rounds; r++)
                for (int i = 0; i < models.Count; i++)
                {
                    log.LogInformation("round {Round}/{Rounds}: {Model} pipeline ...", r + 1, o.Rounds, Path.GetFileName(models[i]));
                    pipe[i].Add((await BenchRunner.Pipeline(throughput[i], o with { Model = models[i] }, Path.Combine(tmp, $"pipeline{i}.mp4"), ct)).Result);
                }
            var rows = new List<ComparisonRow>();
            for (int i = 0; i < models.Count; i++)
            {
                var m = throughput[i].Model;
                rows.Add(new ComparisonRow(Path.GetFullPath(models[i]), m.Precision, $"{m.InputWidth}x{m.InputHeight}", throughput[i].Device.ToString(),
                    Median(raw[i], r => r.MsPerFrame), Median(single[i], r => r.MsPerFrame), Median(pipe[i], r => r.Fps),
                    [.. raw[i].Select(r => r.MsPerFrame)], [.. single[i].Select(r => r.MsPerFrame)], [.. pipe[i].Select(r => r.Fps)]));
            }
            return new ComparisonReport
            {
                Source = Path.GetFullPath(o.Source), Batch = o.Batch, Frames = o.Frames, Rounds = o.Rounds, ProcessorCount = Environment.ProcessorCount,
                CpuThreading = o.Cpu.ToString(), SingleRunThreading = latencyThreading.ToString(), Models = rows,
            };
        }
        finally
        {
            foreach (var d in latency.Where(d => !throughput.Contains(d))) d.Dispose();
            foreach (var d in throughput) d.Dispose();
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
        }
    }

    private static double Median(List<ModeResult> results, Func<ModeResult, double> value)
    {
        var v = results.Select(value).Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
