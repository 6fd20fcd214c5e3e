using System.Runtime.InteropServices;

namespace Tood.Train.Training;

/// <summary>
/// On this project's Linux x64 CPU (AMD EPYC with AVX-512) libtorch 2.x's CPU convolution backward
/// sporadically returns NaN input gradients (reproduced with plain conv2d + backward on fixed inputs,
/// anomaly mode: "ConvolutionBackward0 returned nan values"); forcing ATen's AVX2 kernels makes it
/// rare, and the trainer re-runs the few affected batches. ATen reads ATEN_CPU_CAPABILITY from the
/// native environment on its first kernel dispatch, so this must run before any tensor op; .NET's
/// Environment.SetEnvironmentVariable does not reach the native environment, hence setenv.
/// A user-set ATEN_CPU_CAPABILITY is respected.
/// </summary>
internal static partial class NativeWorkarounds
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    public static void Apply()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        if (Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY") is not null) return;
        try { SetEnv("ATEN_CPU_CAPABILITY", "avx2", 0); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
