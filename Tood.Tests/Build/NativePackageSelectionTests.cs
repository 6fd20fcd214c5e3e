using Xunit;

namespace Tood.Tests.Build;

/// <summary>
/// build/NativeRuntimes.props picks the native packages by the TARGET runtime identifier, not the build machine's
/// OS. PackageSelection.proj evaluates each project per RID / backend in one msbuild process without restoring
/// (Windows packages are not served on Linux build machines), and each set is asserted exactly: tood-live for
/// Windows gets DirectML + OpenCV for Windows and never the CPU ONNX Runtime; for Linux the CPU (or, with
/// OrtBackend=cuda, the CUDA) ONNX Runtime + OpenCV for Linux; tood-train's TorchSharp backend follows the RID the
/// same way; each runtime package for library consumers depends on exactly its flavour; the library on managed
/// packages only.
/// </summary>
public class NativePackageSelectionTests
{
    private static readonly Lazy<Task<MsBuildEvaluation.Result>> Evaluation = new(() => MsBuildEvaluation.RunAsync(
        "Tood.Tests/Build/PackageSelection.proj", "Collect", ["ToodResult"],
        ["OnnxRuntimeVersion", "OnnxRuntimeDirectMLVersion", "OnnxRuntimeManagedMinVersion", "OnnxRuntimeGpuVersion", "OpenCvSharpVersion", "TorchSharpVersion"]));

    private const string Dml = "Microsoft.ML.OnnxRuntime.DirectML@OnnxRuntimeDirectMLVersion";
    private const string OrtCpu = "Microsoft.ML.OnnxRuntime@OnnxRuntimeVersion";
    private const string OrtCuda = "Microsoft.ML.OnnxRuntime.Gpu@OnnxRuntimeGpuVersion";
    private const string CvWin = "OpenCvSharp4.runtime.win@OpenCvSharpVersion";
    private const string CvLinux = "OpenCvSharp4.official.runtime.linux-x64@OpenCvSharpVersion";
    private const string TrainManaged = " Google.Protobuf Grpc.Tools TorchSharp.PyBridge";

    [Theory]
    [InlineData("live:win-x64", Dml + " " + CvWin)]
    [InlineData("live:win-arm64", Dml + " " + CvWin)]
    [InlineData("live:linux-x64", OrtCpu + " " + CvLinux)]
    [InlineData("live:linux-x64:cuda", OrtCuda + " " + CvLinux)]
    // tood-train also runs ONNX Runtime (int8 calibration): the OS's flavour, as tood-live (TorchBackend does not change it).
    [InlineData("train:win-x64", "TorchSharp-cpu@TorchSharpVersion " + Dml + " " + CvWin + TrainManaged)]
    [InlineData("train:win-x64:cuda", "TorchSharp-cuda-windows@TorchSharpVersion " + Dml + " " + CvWin + TrainManaged)]
    [InlineData("train:linux-x64", "TorchSharp-cpu@TorchSharpVersion " + OrtCpu + " " + CvLinux + TrainManaged)]
    [InlineData("train:linux-x64:cuda", "TorchSharp-cuda-linux@TorchSharpVersion " + OrtCpu + " " + CvLinux + TrainManaged)]
    [InlineData("runtime:Cpu", OrtCpu + " " + CvLinux)]
    [InlineData("runtime:DirectML", Dml + " " + CvWin)]
    [InlineData("runtime:Cuda", OrtCuda + " " + CvWin + " " + CvLinux)]
    [InlineData("library:win-x64", "Microsoft.ML.OnnxRuntime.Managed@OnnxRuntimeManagedMinVersion OpenCvSharp4@OpenCvSharpVersion YamlDotNet Microsoft.Extensions.FileSystemGlobbing Microsoft.Extensions.Logging.Abstractions")]
    public async Task Package_set_per_project_and_target_rid(string evaluationCase, string expected)
    {
        var r = await Evaluation.Value;
        var actual = r.Items["ToodResult"].Where(i => i["Case"] == evaluationCase).ToList();
        // "Id@VersionProperty": the version must be that property's; "Id": any version.
        var want = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(e => e.Split('@')).ToList();
        Assert.Equal(want.Select(w => w[0]).Order(StringComparer.Ordinal), actual.Select(a => a["Identity"]).Order(StringComparer.Ordinal));
        foreach (var w in want.Where(w => w.Length == 2))
        {
            Assert.False(string.IsNullOrEmpty(r.Properties[w[1]]), $"property {w[1]} is empty");
            Assert.Equal(r.Properties[w[1]], actual.Single(a => a["Identity"] == w[0])["Version"]);
        }
    }

    /// <summary>
    /// One ONNX Runtime pair per platform (docs/onnxruntime-versions.md): the library asks for the managed API of
    /// the DirectML build (">= 1.23.0" in its package), so on Windows NuGet picks Managed 1.23.0 next to the
    /// DirectML 1.23.0 natives and on Linux the CPU package's own 1.31.1; the API allowlist was verified against
    /// that same version.
    /// </summary>
    [Fact]
    public async Task Library_managed_api_floor_is_the_directml_version_the_allowlist_was_verified_against()
    {
        var r = await Evaluation.Value;
        Assert.Equal("1.23.0", r.Properties["OnnxRuntimeDirectMLVersion"]);
        Assert.Equal(r.Properties["OnnxRuntimeDirectMLVersion"], r.Properties["OnnxRuntimeManagedMinVersion"]);
        Assert.Equal(r.Properties["OnnxRuntimeDirectMLVersion"], OnnxRuntimeApiTests.Allowlist().Version);
        // This process (Linux, CPU natives) loaded the managed assembly of its native library's release.
        var runtime = Tood.Realtime.Devices.OnnxRuntimeInfo.Current();
        Assert.Equal(r.Properties["OnnxRuntimeVersion"], runtime.NativeVersion);
        Assert.Equal(runtime.NativeVersion, runtime.ManagedVersion);
    }

    [Fact]
    public async Task Without_a_rid_tood_live_gets_the_build_machines_natives()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64) return;
        var r = await Evaluation.Value;
        var host = r.Items["ToodResult"].Where(i => i["Case"] == "live:host").Select(i => i["Identity"]).Order(StringComparer.Ordinal);
        Assert.Equal(["Microsoft.ML.OnnxRuntime", "OpenCvSharp4.official.runtime.linux-x64"], host);
    }
}
