using System.Runtime.InteropServices;

namespace Tood.Train.Training;

/// <summary>
/// On this project's Linux x64 CPU (AMD EPYC with AVX-512) libtorch 2.x's CPU convolution backward
/// sporadically returns NaN input gradients (reproduced with plain conv2d + backward on fixed inputs,
/// anomaly mode: "ConvolutionBackward0 returned nan values"). The faulty kernels are oneDNN's AVX2 and
/// AVX-512 convolution backward: a full tiny-model backward gave NaN gradients in every run with
/// ONEDNN_MAX_CPU_ISA unset, AVX512_CORE or AVX2, and in none with AVX or SSE41 (ATen's own
/// dispatch level does not matter). So oneDNN is capped at AVX; the trainer also re-runs a batch whose
/// gradients are non-finite. ATen and oneDNN read these from the
/// native environment on first use, so this must run before any tensor op; .NET's
/// Environment.SetEnvironmentVariable does not reach the native environment, hence setenv.
/// Values the user set are respected.
/// </summary>
internal static partial class NativeWorkarounds
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    public static void Apply()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        try
        {
            // overwrite = 0: a value the user set wins.
            SetEnv("ONEDNN_MAX_CPU_ISA", "AVX", 0);
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
