using Tood.CommandLine;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Model;

/// <summary><c>--device auto|cpu|cuda[:N]</c> → TorchSharp device.</summary>
public static class DeviceSelector
{
    public const string CudaMissing =
        "CUDA requested but TorchSharp's CUDA backend is not available: build with -p:TorchBackend=cuda on a machine with an NVIDIA driver";

    /// <summary>auto = cuda if available else cpu. Unknown names / missing CUDA → <see cref="UsageException"/>.</summary>
    public static Device Resolve(string? name)
    {
        var n = (name ?? "auto").Trim().ToLowerInvariant();
        if (n == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (n == "cpu") return torch.CPU;
        if (n == "cuda" || n.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available()) throw new UsageException(CudaMissing);
            return torch.device(n);
        }
        throw new UsageException($"--device must be auto|cpu|cuda[:N], got '{name}'");
    }
}
