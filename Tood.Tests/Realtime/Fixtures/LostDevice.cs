using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Tood.Realtime.Inference;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>
/// What a GPU lost during a run throws, for <see cref="DeviceFaultInjection"/>: ONNX Runtime's own exception
/// type (its constructor is internal, hence reflection) with the messages real runs produced (microsoft/onnxruntime
/// and onnxruntime-genai issue reports: DirectML's DXGI_ERROR_DEVICE_REMOVED, CUDA's illegal-address error).
/// </summary>
internal static class LostDevice
{
    public const string DmlRemoved =
        @"Non-zero status code returned while running DmlFusedNode_0_0 node. Name:'DmlFusedNode_0_0' Status Message: " +
        @"D:\a\_work\1\s\onnxruntime\core\providers\dml\DmlExecutionProvider\src\DmlGraphFusionHelper.cpp(1066)\onnxruntime.dll!00007FFA8D7BA2E1: " +
        @"(caller: 00007FFA8D849109) Exception(2) tid(72f0) 887A0005 The GPU device instance has been suspended. Use GetDeviceRemovedReason to determine the appropriate action.";

    public const string CudaIllegalAddress =
        "Non-zero status code returned while running Conv node. Name:'Conv_0' Status Message: CUDA failure 700: an illegal memory access was encountered ; " +
        "GPU=0 ; hostname=host ; file=/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_execution_provider.cc ; line=448 ; expr=cudaStreamSynchronize(static_cast<cudaStream_t>(stream_)); ";

    /// <summary>An <see cref="OnnxRuntimeException"/> as ORT raises it: "[ErrorCode:CODE] message".</summary>
    public static OnnxRuntimeException Error(string message, string code = "Fail")
    {
        var codeType = typeof(OnnxRuntimeException).Assembly.GetType("Microsoft.ML.OnnxRuntime.ErrorCode", throwOnError: true)!;
        var ctor = typeof(OnnxRuntimeException).GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, [codeType, typeof(string)])!;
        return (OnnxRuntimeException)ctor.Invoke([Enum.Parse(codeType, code), message]);
    }

    /// <summary>A simulated <paramref name="device"/> whose run attempts number <paramref name="lostOn"/> (1-based, every
    /// attempt on the GPU counts, retries included) throw <paramref name="message"/>. <see cref="Attempts"/> counts them.</summary>
    public static Faults On(DeviceSpec device, string message, params int[] lostOn) => new(device, message, lostOn);

    public sealed class Faults
    {
        private int _attempts;
        public DeviceFaultInjection Injection { get; }
        public int Attempts => Volatile.Read(ref _attempts);

        public Faults(DeviceSpec device, string message, int[] lostOn) =>
            Injection = new DeviceFaultInjection
            {
                SimulatedDevice = device,
                OnRun = _ => lostOn.Contains(Interlocked.Increment(ref _attempts)) ? Error(message) : null,
            };
    }
}
