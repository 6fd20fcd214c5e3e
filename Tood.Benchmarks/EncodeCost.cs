using System.Diagnostics;
using OpenCvSharp;
using Tood.Live.Bench;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;

namespace Tood.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Tood.Benchmarks -- encode [--short]</c>: encoder cost per frame on the real
/// camera video (BENCHMARKS.md §13). 200 frames (<c>--short</c>: 20) decoded beforehand, written by each encoder
/// (OpenCV mp4v, ffmpeg H.264 and HEVC, H.264 with every frame repeated 5× as live mode does); CPU = this process +
/// the finished ffmpeg child. Two rounds: the first warms up, the second is printed.
/// </summary>
public static class EncodeCost
{
    public static void Run(bool quick)
    {
        int count = quick ? 20 : 200;
        var ffmpeg = FfmpegTool.Find() ?? throw new InvalidOperationException("ffmpeg not on PATH");
        Cv2.SetNumThreads(1); // as tood-live
        var frames = new List<Mat>();
        using (var src = VideoCaptureSource.OpenFile(Repo.PersonVideo))
            while (frames.Count < count && src.Read() is { } m) frames.Add(m);
        var dir = Directory.CreateTempSubdirectory("tood-encode-bench-");
        try
        {
            Console.WriteLine($"{frames.Count} frames of {Repo.PersonVideo} ({frames[0].Width}x{frames[0].Height}), decoded beforehand; "
                              + $"{Environment.ProcessorCount} logical CPUs; CPU = this process + the finished ffmpeg child");
            Console.WriteLine("encoder                                   wall ms/frame   CPU ms/frame   file KB");
            for (int round = 0; round < 2; round++) // the first round warms up; the second is reported
            {
                foreach (var (name, codec, repeat) in new[] { ("mp4v (OpenCV VideoWriter)", VideoCodec.Mp4v, 1), ("H.264 libx264 veryfast (ffmpeg)", VideoCodec.H264, 1),
                                                              ("HEVC libx265 veryfast (ffmpeg)", VideoCodec.Hevc, 1), ("H.264, each frame x5 (live repeats)", VideoCodec.H264, 5) })
                {
                    string path = Path.Combine(dir.FullName, $"{codec}_{repeat}.mp4");
                    double cpu0 = ProcessCpu.TotalSeconds();
                    var sw = Stopwatch.StartNew();
                    using (var sink = VideoOutputs.Create(path, frames[0].Width, frames[0].Height, 10, codec, ffmpeg, null, out _))
                    {
                        for (int i = 0; i < frames.Count; i++)
                            for (int r = 0; r < repeat; r++) sink.Write(new ProcessedFrame(i, i / 10.0, frames[i], []));
                        sink.Complete();
                    }
                    double wall = sw.Elapsed.TotalMilliseconds, cpu = (ProcessCpu.TotalSeconds() - cpu0) * 1000;
                    int written = frames.Count * repeat;
                    if (round == 1)
                        Console.WriteLine($"{name,-40} {wall / written,14:0.00} {cpu / written,14:0.00} {new FileInfo(path).Length / 1024,9}");
                }
            }
        }
        finally
        {
            foreach (var m in frames) m.Dispose();
            dir.Delete(recursive: true);
        }
    }
}
