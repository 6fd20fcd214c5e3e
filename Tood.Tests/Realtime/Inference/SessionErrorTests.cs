using Microsoft.ML.OnnxRuntime;
using Tood.Realtime.Inference;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Inference;

/// <summary>
/// Session creation tells the model's failures (not an ONNX file, a graph the CPU cannot run) from the execution
/// provider's (missing, failing to start), with real ONNX Runtime errors: this CPU build really has no CUDA or
/// DirectML entry points and refuses them, which is what a machine without the GPU libraries does.
/// </summary>
[Collection(RealtimeCollection.Name)]
public class SessionErrorTests(RealtimeFixture fx)
{
    private static readonly DetectorOptions Cpu = new() { Device = DeviceSpec.Cpu };

    private string Truncated(string name, int keep)
    {
        var bytes = File.ReadAllBytes(fx.Model);
        var path = fx.PathFor(name);
        File.WriteAllBytes(path, bytes[..(keep < 0 ? bytes.Length + keep : keep)]);
        return path;
    }

    [Fact]
    public void Non_onnx_file_is_an_unreadable_model()
    {
        var path = fx.PathFor("text.onnx");
        File.WriteAllText(path, "this is not a model");
        var e = Assert.Throws<ModelContractException>(() => Detector.Load(path, Cpu));
        Assert.Equal($"model text.onnx is not a readable ONNX file: Load model from {path} failed:Protobuf parsing failed.", e.Message);
    }

    [Theory]
    [InlineData(2)]       // a few bytes of the header
    [InlineData(-1)]      // all but the last byte
    public void Truncated_model_is_an_unreadable_model(int keep)
    {
        var path = Truncated($"truncated{keep}.onnx", keep);
        var e = Assert.Throws<ModelContractException>(() => Detector.Load(path, Cpu));
        Assert.StartsWith($"model truncated{keep}.onnx is not a readable ONNX file: Load model from {path} failed:", e.Message);
    }

    [Fact]
    public void Graph_the_cpu_provider_cannot_run_is_a_model_error_that_names_the_node()
    {
        var path = fx.PathFor("bf16_sigmoid.onnx");
        ContractModelBuilder.Write(path, variant: ContractModelBuilder.Variant.BFloat16Sigmoid);
        var e = Assert.Throws<ModelContractException>(() => Detector.Load(path, Cpu));
        Assert.Equal("model bf16_sigmoid.onnx: ONNX Runtime 1.31.1 cannot run this graph on the CPU: " +
                     "Could not find an implementation for Sigmoid(13) node with name 'Sigmoid_x_hs'", e.Message);
    }

    [Theory]
    [InlineData("dml", "DmlExecutionProvider")]
    [InlineData("cuda:1", "CUDAExecutionProvider")]
    public void Explicit_provider_missing_from_the_build_is_a_provider_error(string device, string provider)
    {
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Parse(device) }));
        Assert.StartsWith($"--device {device}: {provider} is not available in this ONNX Runtime build (available: CPUExecutionProvider); ", e.Message);
    }

    /// <summary>The provider is listed but cannot start (GPU package without its libraries, driver failure).</summary>
    [Theory]
    [InlineData("cuda:0", "CUDAExecutionProvider failed to start: Unable to find an entry point named 'OrtSessionOptionsAppendExecutionProvider_CUDA' in shared library 'onnxruntime'.")]
    [InlineData("dml", "DmlExecutionProvider failed to start: DML execution provider is not supported in this build.")]
    [InlineData("dml:1", "DmlExecutionProvider failed to start: Unable to find an entry point named 'OrtSessionOptionsAppendExecutionProvider_DML' in shared library 'onnxruntime'.")]
    public void Provider_failing_to_start_falls_back_for_auto_with_one_line_and_fails_an_explicit_request(string device, string why)
    {
        var gpu = DeviceSpec.Parse(device);
        var log = new ListLogger();
        var auto = new SessionFactory(fx.Model, 1, log, faults: null);
        var (session, used) = auto.OpenFirst(DeviceSpec.Auto, gpu, default);
        using (session)
        {
            Assert.Equal(DeviceSpec.Cpu, used);
            Assert.Equal($"device auto: {gpu}: {why}; falling back to CPU", Assert.Single(log.Lines));
            Assert.Equal(3, session.OutputMetadata[ModelContract.ScoresName].Dimensions[2]); // a working CPU session
        }

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() =>
            new SessionFactory(fx.Model, 1, log, faults: null).OpenFirst(gpu, gpu, default));
        Assert.Equal($"--device {gpu}: {why}; use --device cpu or --device auto (falls back to CPU)", e.Message);
        Assert.Single(log.Lines); // nothing logged for the explicit request
    }

    [Fact]
    public void Broken_model_on_a_gpu_request_is_a_model_error_not_a_provider_fallback()
    {
        var path = Truncated("truncated_gpu.onnx", 100);
        var log = new ListLogger();
        var e = Assert.Throws<ModelContractException>(() => new SessionFactory(path, 1, log, faults: null).OpenFirst(DeviceSpec.Auto, DeviceSpec.Parse("cuda"), default));
        Assert.StartsWith("model truncated_gpu.onnx is not a readable ONNX file: ", e.Message);
        Assert.Empty(log.Lines);
    }

    [Fact]
    public void Onnx_runtime_error_codes_are_read_from_the_message_prefix()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(fx.PathFor("no-such-model.onnx")));
        Assert.Equal("NoSuchFile", OrtErrors.Code(e));
        Assert.True(OrtErrors.IsUnreadableModel(e));
        Assert.StartsWith("Load model from ", OrtErrors.FirstLine(e));
        Assert.Null(OrtErrors.Code(new InvalidOperationException("[ErrorCode:Fail] not from ORT")));
    }
}
