using Xunit;

namespace Tood.Tests.Build;

/// <summary>
/// The code keeps to the managed ONNX Runtime API of the DirectML build it ships with on Windows (1.23.0), although
/// it compiles here against a newer managed assembly (1.23.0 is not on this feed): every type and member that
/// Tood.Realtime.dll and Tood.Live.dll reference in Microsoft.ML.OnnxRuntime must be in OnnxRuntimeApi.allowlist.txt,
/// whose entries were each checked against the 1.23 C# sources (the file says where). A new ORT call fails this
/// test until it has been checked and added; an entry no longer used fails it too, so the list stays exact.
/// </summary>
public class OnnxRuntimeApiTests
{
    private static readonly string AllowlistPath = RepoPaths.Path("Tood.Tests", "Build", "OnnxRuntimeApi.allowlist.txt");

    internal static (string Version, SortedSet<string> Entries) Allowlist()
    {
        var lines = File.ReadAllLines(AllowlistPath);
        const string marker = "# verified against ONNX Runtime ";
        var header = Assert.Single(lines, l => l.StartsWith(marker, StringComparison.Ordinal));
        var entries = new SortedSet<string>(lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')), StringComparer.Ordinal);
        return (header[marker.Length..].Split(' ')[0], entries);
    }

    [Theory]
    [InlineData("Tood.Realtime.dll")]
    [InlineData("Tood.Live.dll")]
    public void Every_onnx_runtime_reference_is_in_the_verified_allowlist(string assembly)
    {
        var used = OnnxRuntimeReferences.Read(Path.Combine(AppContext.BaseDirectory, assembly));
        var (_, allowed) = Allowlist();
        var unverified = used.Where(u => !allowed.Contains(u)).ToList();
        Assert.True(unverified.Count == 0,
            $"{assembly} uses ONNX Runtime API not verified against the 1.23 sources (see docs/onnxruntime-versions.md):\n  {string.Join("\n  ", unverified)}");
    }

    [Fact]
    public void Allowlist_has_no_entry_that_nothing_uses()
    {
        var used = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var a in new[] { "Tood.Realtime.dll", "Tood.Live.dll" }) used.UnionWith(OnnxRuntimeReferences.Read(Path.Combine(AppContext.BaseDirectory, a)));
        var (_, allowed) = Allowlist();
        var unused = allowed.Where(a => !used.Contains(a)).ToList();
        Assert.True(unused.Count == 0, $"allowlist entries nothing uses any more (remove them):\n  {string.Join("\n  ", unused)}");
        Assert.True(used.Count >= 20, $"only {used.Count} references read: the reader is broken"); // the library really uses this much
    }
}
