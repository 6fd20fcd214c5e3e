using System.Text.Json;
using Tood.CommandLine;
using Tood.Live.Cli;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Inference;

/// <summary>
/// A GPU lost during a run (DirectML device removed, CUDA context error), through the fault-injection seam: a
/// simulated GPU on the CPU provider whose chosen runs throw ONNX Runtime's exception with a real device-lost
/// message. The first loss rebuilds the session and the same run goes again; a second loss continues on the CPU
/// (auto) or fails the run with one line (explicit device). Results are compared with a plain CPU detector.
/// </summary>
[Collection(RealtimeCollection.Name)]
public class DeviceLossTests(RealtimeFixture fx)
{
    private static readonly DeviceSpec Dml = DeviceSpec.Parse("dml");
    private static readonly DeviceSpec Cuda = DeviceSpec.Parse("cuda:0");
    private const string RebuildSuffix = "; rebuilding the session";

    [Theory]
    [InlineData(LostDevice.DmlRemoved, DeviceKind.DirectML, true)]
    [InlineData(LostDevice.DmlRemoved, DeviceKind.Cuda, false)]
    [InlineData(LostDevice.CudaIllegalAddress, DeviceKind.Cuda, true)]
    [InlineData(LostDevice.CudaIllegalAddress, DeviceKind.Cpu, false)]
    [InlineData("Got invalid dimensions for input: images for the following indices index: 1 Got: 320 Expected: 256", DeviceKind.DirectML, false)]
    public void Device_loss_is_recognised_by_provider(string message, DeviceKind kind, bool lost)
    {
        Assert.Equal(lost, OrtErrors.IsDeviceLost(LostDevice.Error(message), kind));
        Assert.False(OrtErrors.IsDeviceLost(new InvalidOperationException(message), kind)); // only ONNX Runtime's errors
    }

    private List<IReadOnlyList<Detection>> DetectEach(Detector det, int frames)
    {
        var results = new List<IReadOnlyList<Detection>>();
        for (int i = 0; i < frames; i++)
        {
            using var frame = TestVideo.Frame(i * 5);
            results.Add(det.Detect(frame));
        }
        return results;
    }

    [Fact]
    public void First_loss_rebuilds_the_session_and_the_same_run_goes_again_on_the_gpu()
    {
        var faults = LostDevice.On(Dml, LostDevice.DmlRemoved, 2);
        var log = new ListLogger();
        using var cpu = Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu });
        using var gpu = Detector.Load(fx.Model, new DetectorOptions { Device = Dml, LoggerFactory = log, Faults = faults.Injection });
        Assert.Equal(Dml, gpu.Device);
        var got = DetectEach(gpu, 5);
        Assert.Equal(6, faults.Attempts); // 5 frames + 1 retry
        Assert.Equal(Dml, gpu.Device);
        Assert.Equal($"device dml: lost during a run ({LostDevice.DmlRemoved.Trim()}){RebuildSuffix}", Assert.Single(log.Lines));
        var want = DetectEach(cpu, 5);
        for (int i = 0; i < 5; i++) Assert.Equal(want[i], got[i]);
    }

    [Theory]
    [InlineData(LostDevice.DmlRemoved, "dml")]
    [InlineData(LostDevice.CudaIllegalAddress, "cuda:0")]
    public void Second_loss_continues_on_cpu_for_auto(string message, string device)
    {
        var gpuDevice = DeviceSpec.Parse(device);
        var faults = LostDevice.On(gpuDevice, message, 2, 4);
        var log = new ListLogger();
        using var cpu = Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu });
        using var gpu = Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Auto, LoggerFactory = log, Faults = faults.Injection });
        var got = DetectEach(gpu, 6);
        // frame 0: attempt 1; frame 1: 2 lost, 3 ok (rebuilt); frame 2: 4 lost again → CPU; frames 2..5 on the CPU.
        Assert.Equal(4, faults.Attempts);
        Assert.Equal(DeviceSpec.Cpu, gpu.Device);
        Assert.Equal(
        [
            $"device {device}: lost during a run ({message.Trim()}){RebuildSuffix}",
            $"device auto: {device} lost again: {message.Trim()}; continuing on CPU",
        ], log.Lines);
        var want = DetectEach(cpu, 6);
        for (int i = 0; i < 6; i++) Assert.Equal(want[i], got[i]);
    }

    [Fact]
    public void Second_loss_of_an_explicit_device_is_a_device_lost_error()
    {
        var faults = LostDevice.On(Cuda, LostDevice.CudaIllegalAddress, 1, 2);
        using var gpu = Detector.Load(fx.Model, new DetectorOptions { Device = Cuda, Faults = faults.Injection });
        using var frame = TestVideo.Frame(3);
        var e = Assert.Throws<DeviceLostException>(() => gpu.Detect(frame));
        Assert.Equal($"--device cuda:0: the device was lost during a run and the rebuilt session did not recover (lost again: {LostDevice.CudaIllegalAddress.Trim()}); " +
                     "use --device auto to continue on the CPU", e.Message);
    }

    private static async Task<(int Code, string Out, string Err)> Live(DeviceFaultInjection? faults, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = await LiveCli.Create(default, faults).RunAsync(args, new CliConsole(o, e, InteractiveError: false), CancellationToken.None);
        return (code, o.ToString(), e.ToString());
    }

    private static List<JsonElement> Frames(string jsonl) =>
        [.. File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public async Task Pipeline_run_that_loses_the_gpu_twice_keeps_every_frame_in_order_on_auto()
    {
        var cpuJson = fx.PathFor("loss-cpu.jsonl");
        var autoJson = fx.PathFor("loss-auto.jsonl");
        var (code, _, err) = await Live(null, "--source", fx.Video, "--model", fx.Model, "--device", "cpu", "--save-json", cpuJson);
        Assert.True(code == 0, err);
        // batch 2: the simulated DirectML engine runs fixed batches of 2 (the last one padded), like the real one.
        var faults = LostDevice.On(Dml, LostDevice.DmlRemoved, 3, 7);
        (code, _, err) = await Live(faults.Injection, "--source", fx.Video, "--model", fx.Model, "--batch", "2", "--save-json", autoJson);
        Assert.True(code == 0, err);
        Assert.Contains($"tood-live: device dml: lost during a run ({LostDevice.DmlRemoved.Trim()}){RebuildSuffix}\n", err.ReplaceLineEndings("\n"));
        Assert.Contains($"tood-live: device auto: dml lost again: {LostDevice.DmlRemoved.Trim()}; continuing on CPU\n", err.ReplaceLineEndings("\n"));
        Assert.Equal(7, faults.Attempts);

        var want = Frames(cpuJson);
        var got = Frames(autoJson);
        Assert.Equal(RealtimeFixture.VideoFrames, got.Count);
        Assert.Equal(Enumerable.Range(0, RealtimeFixture.VideoFrames), got.Select(f => f.GetProperty("frame").GetInt32()));
        for (int i = 0; i < got.Count; i++)
        {
            var (a, b) = (want[i].GetProperty("detections"), got[i].GetProperty("detections"));
            Assert.Equal(a.GetArrayLength(), b.GetArrayLength());
            for (int k = 0; k < a.GetArrayLength(); k++)
            {
                Assert.Equal(a[k].GetProperty("class").GetString(), b[k].GetProperty("class").GetString());
                Assert.Equal(a[k].GetProperty("score").GetDouble(), b[k].GetProperty("score").GetDouble(), 3e-4);
                foreach (var c in new[] { "x1", "y1", "x2", "y2" })
                    Assert.Equal(a[k].GetProperty(c).GetDouble(), b[k].GetProperty(c).GetDouble(), 0.03);
            }
        }
    }

    [Fact]
    public async Task Explicit_device_lost_twice_exits_1_with_one_line_and_keeps_what_was_written()
    {
        var json = fx.PathFor("loss-explicit.jsonl");
        var faults = LostDevice.On(Dml, LostDevice.DmlRemoved, 3, 5);
        var (code, _, err) = await Live(faults.Injection, "--source", fx.Video, "--model", fx.Model, "--device", "dml", "--save-json", json);
        Assert.Equal(1, code);
        var errors = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("error:", StringComparison.Ordinal)).ToList();
        Assert.Equal($"tood-live: error: --device dml: the device was lost during a run and the rebuilt session did not recover " +
                     $"(lost again: {LostDevice.DmlRemoved.Trim()}); use --device auto to continue on the CPU", Assert.Single(errors).TrimEnd('\r'));
        // Frames 0 and 1 ran, frame 2 ran after the rebuild, frame 3 lost the device again: what was written is kept, in order.
        var written = Frames(json).Select(f => f.GetProperty("frame").GetInt32()).ToList();
        Assert.InRange(written.Count, 0, 3);
        Assert.Equal(Enumerable.Range(0, written.Count), written);
    }
}
