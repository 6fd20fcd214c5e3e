using System.Reflection;
using Microsoft.ML.OnnxRuntime;

namespace Tood.Realtime.Devices;

/// <summary>
/// The ONNX Runtime this process loaded: the native library's version and the managed assembly's. They must be
/// the same release (docs/onnxruntime-versions.md): a native onnxruntime older than the managed API it is
/// called through refuses it or misbehaves.
/// </summary>
public sealed record OnnxRuntimeInfo(string NativeVersion, string ManagedVersion, IReadOnlyList<string> Providers)
{
    public static OnnxRuntimeInfo Current()
    {
        var env = OrtEnv.Instance();
        return new OnnxRuntimeInfo(env.GetVersionString(), ManagedAssemblyVersion(), env.GetAvailableProviders());
    }

    /// <summary>"1.31.1" from the managed assembly's informational version "1.31.1+commit".</summary>
    public static string ManagedAssemblyVersion()
    {
        var info = typeof(OrtEnv).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                   ?? typeof(OrtEnv).Assembly.GetName().Version?.ToString(3) ?? "?";
        int plus = info.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? info : info[..plus];
    }

    public bool VersionsMatch => NativeVersion == ManagedVersion;
}
