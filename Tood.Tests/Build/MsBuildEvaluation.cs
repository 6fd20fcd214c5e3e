using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Tood.Tests.Build;

/// <summary>
/// Runs <c>dotnet msbuild PROJECT -t:TARGET -getItem:... -getProperty:...</c> on a project of this repository and
/// returns the items and properties it reports (evaluation and item-computing targets only: nothing is restored).
/// </summary>
internal static class MsBuildEvaluation
{
    /// <summary>Items (each as its metadata, Identity included) by item name, and the requested properties.</summary>
    public sealed record Result(IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>> Items, IReadOnlyDictionary<string, string> Properties);

    public static async Task<Result> RunAsync(string project, string target, string[] items, string[] properties)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var a in new[] { "msbuild", RepoPaths.Path(project.Split('/')), "-nologo", $"-t:{target}" }) psi.ArgumentList.Add(a);
        foreach (var i in items) psi.ArgumentList.Add($"-getItem:{i}");
        foreach (var p in properties) psi.ArgumentList.Add($"-getProperty:{p}");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await stdout;
        Assert.True(process.ExitCode == 0, $"dotnet msbuild {project} -t:{target} failed ({process.ExitCode}): {text}{await stderr}");

        using var doc = JsonDocument.Parse(text);
        var itemMap = new Dictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>>();
        if (doc.RootElement.TryGetProperty("Items", out var itemsJson))
            foreach (var group in itemsJson.EnumerateObject())
                itemMap[group.Name] = [.. group.Value.EnumerateArray().Select(e =>
                    (IReadOnlyDictionary<string, string>)e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""))];
        var propMap = new Dictionary<string, string>();
        if (doc.RootElement.TryGetProperty("Properties", out var propsJson))
            foreach (var p in propsJson.EnumerateObject()) propMap[p.Name] = p.Value.GetString() ?? "";
        return new Result(itemMap, propMap);
    }
}
