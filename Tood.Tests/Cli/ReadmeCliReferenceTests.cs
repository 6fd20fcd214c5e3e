using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Tood.Tests.Cli;

/// <summary>
/// README's CLI reference is the tools' generated help, block for block, for every command: it cannot drift.
/// After changing an option, regenerate it with
/// <c>TOOD_UPDATE_README=1 dotnet test Tood.Tests -c Release --filter FullyQualifiedName~ReadmeCliReference</c>.
/// </summary>
public partial class ReadmeCliReferenceTests
{
    [GeneratedRegex(@"<!-- cli-help: (?<path>[^>]+?) -->\n```text\n(?<text>.*?)```\n<!-- /cli-help -->", RegexOptions.Singleline)]
    private static partial Regex Block();

    [Fact]
    public void Readme_cli_reference_is_the_generated_help_of_every_command()
    {
        var readmePath = RepoPaths.Path("README.md");
        var readme = File.ReadAllText(readmePath).Replace("\r\n", "\n", StringComparison.Ordinal);
        var expected = HelpTests.AllCommands().ToDictionary(x => x.App.CommandPath(x.Command),
            x => Tood.CommandLine.CliHelp.Render(x.App.Root, x.App.ToolName, x.Command));
        var found = Block().Matches(readme).ToDictionary(m => m.Groups["path"].Value, m => m.Groups["text"].Value);

        if (Environment.GetEnvironmentVariable("TOOD_UPDATE_README") == "1")
        {
            File.WriteAllText(readmePath, Update(readme, expected));
            return;
        }
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), found.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, text) in expected)
            Assert.True(found[path] == text, $"README's help of '{path}' differs from the tool's; regenerate (see this test's summary). Tool prints:\n{text}");
    }

    /// <summary>Rewrites every block with the current help; commands without a block get one after the last block.</summary>
    private static string Update(string readme, IReadOnlyDictionary<string, string> expected)
    {
        static string Render(string path, string text) => $"<!-- cli-help: {path} -->\n```text\n{text}```\n<!-- /cli-help -->";
        var present = new HashSet<string>();
        var updated = Block().Replace(readme, m =>
        {
            var path = m.Groups["path"].Value;
            present.Add(path);
            return expected.TryGetValue(path, out var text) ? Render(path, text) : "";
        });
        var missing = new StringBuilder();
        foreach (var (path, text) in expected.Where(e => !present.Contains(e.Key))) missing.Append("\n\n").Append(Render(path, text));
        int last = updated.LastIndexOf("<!-- /cli-help -->", StringComparison.Ordinal);
        Assert.True(last >= 0 || missing.Length == 0, "README has no <!-- cli-help: ... --> block to put the missing ones after");
        return missing.Length == 0 ? updated : updated.Insert(last + "<!-- /cli-help -->".Length, missing.ToString());
    }
}
