using System.Diagnostics;
using OpenCvSharp;
using Tood.Live.Bench;
using Tood.Realtime.Sinks;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;
using Tood.Tests.Realtime.Fixtures;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Realtime;

/// <summary>
/// Encoder cost per frame on the real camera video (BENCHMARKS.md §13):
/// <c>TOOD_BENCH=1 dotnet test Tood.Tests -c Release --filter "FullyQualifiedName~VideoIoBenchmarks" --logger "console;verbosity=detailed"</c>.
/// </summary>
public class VideoIoBenchmarks(ITestOutputHelper output)
{
    private const int Frames = 200;

    [BenchmarkFact]
    public void Encode_cost_per_frame_of_h264_hevc_and_mp4v_on_the_real_video()
    {
        var ffmpeg = FfmpegTool.Find() ?? throw new InvalidOperationException("ffmpeg not on PATH");
        Cv2.SetNumThreads(1); // as tood-live
        var frames = new List<Mat>();
        using (var src = new LimitedFrameSource(VideoCaptureSource.OpenFile(SharedData.PersonVideo), Frames))
            while (src.Read() is { } m) frames.Add(m);
        using var dir = new Data.TempDir();
        try
        {
            output.WriteLine($"{frames.Count} frames of {SharedData.PersonVideo} ({frames[0].Width}x{frames[0].Height}), decoded beforehand; "
                             + $"{Environment.ProcessorCount} logical CPUs; CPU = this process + the finished ffmpeg child");
            output.WriteLine("encoder                                   wall ms/frame   CPU ms/frame   file KB");
            for (int round = 0; round < 2; round++) // the first round warms up; the second is reported
            {
                foreach (var (name, codec, repeat) in new[] { ("mp4v (OpenCV VideoWriter)", VideoCodec.Mp4v, 1), ("H.264 libx264 veryfast (ffmpeg)", VideoCodec.H264, 1),
                                                              ("HEVC libx265 veryfast (ffmpeg)", VideoCodec.Hevc, 1), ("H.264, each frame x5 (live repeats)", VideoCodec.H264, 5) })
                {
                    string path = dir[$"{codec}_{repeat}.mp4"];
                    double cpu0 = Cpu();
                    var sw = Stopwatch.StartNew();
                    using (var sink = VideoOutputs.Create(path, frames[0].Width, frames[0].Height, 10, codec, ffmpeg, null, out _))
                    {
                        for (int i = 0; i < frames.Count; i++)
                            for (int r = 0; r < repeat; r++) sink.Write(new ProcessedFrame(i, i / 10.0, frames[i], []));
                        sink.Complete();
                    }
                    double wall = sw.Elapsed.TotalMilliseconds, cpu = (Cpu() - cpu0) * 1000;
                    int written = frames.Count * repeat;
                    Assert.Equal(written, Mp4Probe.Of(path).Frames);
                    if (round == 1)
                        output.WriteLine($"{name,-40} {wall / written,14:0.00} {cpu / written,14:0.00} {new FileInfo(path).Length / 1024,9}");
                }
            }
        }
        finally { foreach (var m in frames) m.Dispose(); }
    }

    private static double Cpu() => ProcessCpu.TotalSeconds();
}
