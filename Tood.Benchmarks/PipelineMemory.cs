using System.Diagnostics;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;
using Tood.Tests.Realtime.Fixtures;

namespace Tood.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Tood.Benchmarks -- pipeline-memory [--short]</c>: the working set of a long file
/// run (BENCHMARKS.md §1, "Memory"). A 1500-frame 640×480 video (<c>--short</c>: 300) through the contract test model at
/// 640 px, with tood-live's file-mode CPU defaults (one single-threaded run per core in flight), mp4 and JSONL output;
/// the RSS every sixth of the run. Fails (exit code 1) when the run loses frames or the RSS grows by 40 MB or more
/// between the first and the last sample.
/// </summary>
public static class PipelineMemory
{
    public static async Task<bool> RunAsync(bool quick)
    {
        int frames = quick ? 300 : 1500, every = frames / 6;
        var dir = Directory.CreateTempSubdirectory("tood-memory-bench-");
        try
        {
            var model = Path.Combine(dir.FullName, "colour640.onnx");
            ContractModelBuilder.Write(model, 640);
            var video = Path.Combine(dir.FullName, "long640.mp4");
            TestVideo.Write(video, frames, width: 640, height: 480);
            using var det = Detector.Load(model, new DetectorOptions { Device = DeviceSpec.Cpu, MaxBatch = 2, BufferSets = 4, Cpu = CpuThreading.ForMode(live: false) });
            var rss = new List<(long Frame, long Mb)>();
            using var proc = Process.GetCurrentProcess();
            var progress = new Progress(p =>
            {
                if (p.Frames % every == 0) { proc.Refresh(); rss.Add((p.Frames, proc.WorkingSet64 >> 20)); }
            });
            var s = await new VideoPipeline(det, new VideoPipelineOptions
            {
                Run = new() { Batch = 2 },
                Outputs = new() { Video = Path.Combine(dir.FullName, "long_out.mp4"), Jsonl = Path.Combine(dir.FullName, "long.jsonl") },
                Progress = progress,
            }, video).RunAsync();
            Console.WriteLine(s.ToString());
            Console.WriteLine("RSS MB by frame: " + string.Join(", ", rss.Select(r => $"{r.Frame}:{r.Mb}")));
            long growth = rss[^1].Mb - rss[0].Mb;
            bool flat = s.Frames == frames && growth < 40;
            Console.WriteLine(flat ? $"flat: {s.Frames} frames, RSS {growth:+0;-0} MB between frame {rss[0].Frame} and {rss[^1].Frame}"
                                   : $"FAILED: {s.Frames} of {frames} frames, RSS {growth:+0;-0} MB between frame {rss[0].Frame} and {rss[^1].Frame} (limit +40)");
            return flat;
        }
        finally { dir.Delete(recursive: true); }
    }

    private sealed class Progress(Action<PipelineProgress> a) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => a(value);
    }
}
