using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Tood.Realtime.Inference;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Inference;

public class ExecutionProviderSelectorTests
{
    private static readonly string[] CpuOnly = ["CPUExecutionProvider"];

    [Fact]
    public void This_build_lists_the_cpu_provider_and_cpu_configures()
    {
        Assert.Contains(ExecutionProviderSelector.CpuProvider, ExecutionProviderSelector.AvailableProviders());
        var d = ExecutionProviderSelector.Resolve(DeviceSpec.Cpu, CpuOnly, isWindows: false, loggerFactory: null);
        Assert.Equal(DeviceKind.Cpu, d.Kind);
        using var so = new SessionOptions();
        ExecutionProviderSelector.Configure(so, d, "batch", 1);
    }

    [Fact]
    public void Missing_dml_gives_the_exact_message()
    {
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() =>
            ExecutionProviderSelector.Resolve(DeviceSpec.Parse("dml:1"), CpuOnly, isWindows: false, loggerFactory: null));
        Assert.Equal("--device dml:1: DmlExecutionProvider is not available in this ONNX Runtime build (available: CPUExecutionProvider); " +
                     "install the Microsoft.ML.OnnxRuntime.DirectML build (Windows only) or use --device cpu", e.Message);
    }

    [Fact]
    public void Missing_cuda_gives_the_exact_message()
    {
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() =>
            ExecutionProviderSelector.Resolve(DeviceSpec.Parse("cuda"), CpuOnly, isWindows: false, loggerFactory: null));
        Assert.Equal("--device cuda:0: CUDAExecutionProvider is not available in this ONNX Runtime build (available: CPUExecutionProvider); " +
                     "build with -p:OrtBackend=cuda (Microsoft.ML.OnnxRuntime.Gpu) or use --device cpu", e.Message);
    }

    [Fact]
    public void Auto_prefers_dml_on_windows_then_cuda_else_logs_cpu_fallback()
    {
        string[] all = ["DmlExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"];
        Assert.Equal(DeviceKind.DirectML, ExecutionProviderSelector.Resolve(DeviceSpec.Auto, all, isWindows: true, null).Kind);
        Assert.Equal(DeviceKind.Cuda, ExecutionProviderSelector.Resolve(DeviceSpec.Auto, all, isWindows: false, null).Kind);
        var log = new ListLogger();
        Assert.Equal(DeviceKind.Cpu, ExecutionProviderSelector.Resolve(DeviceSpec.Auto, CpuOnly, isWindows: true, log).Kind);
        var entry = Assert.Single(log.Entries);
        Assert.Equal("device auto: no GPU execution provider available (CPUExecutionProvider); falling back to CPU", entry.Message);
        Assert.Equal((LogLevel.Information, typeof(ExecutionProviderSelector).FullName), (entry.Level, entry.Category));
    }

    [Theory]
    [InlineData("auto", DeviceKind.Auto, null, "auto")]
    [InlineData("CPU", DeviceKind.Cpu, null, "cpu")]
    [InlineData("dml", DeviceKind.DirectML, null, "dml")]      // no adapter: the high-performance one
    [InlineData("dml:0", DeviceKind.DirectML, 0, "dml:0")]     // DXGI adapter 0, whatever it is
    [InlineData("dml:2", DeviceKind.DirectML, 2, "dml:2")]
    [InlineData("cuda", DeviceKind.Cuda, 0, "cuda:0")]
    [InlineData("cuda:1", DeviceKind.Cuda, 1, "cuda:1")]
    public void Device_spec_parses(string text, DeviceKind kind, int? id, string shown)
    {
        var d = DeviceSpec.Parse(text);
        Assert.Equal(new DeviceSpec(kind, id), d);
        Assert.Equal(shown, d.ToString());
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("cuda:x")]
    [InlineData("cpu:1")]
    public void Device_spec_rejects_nonsense(string text) => Assert.Throws<FormatException>(() => DeviceSpec.Parse(text));
}
