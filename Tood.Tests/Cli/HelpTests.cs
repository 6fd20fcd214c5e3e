using System.CommandLine;
using Tood.CommandLine;
using Tood.Live.Cli;
using Tood.Train.Cli;
using Xunit;

namespace Tood.Tests.Cli;

/// <summary>Help is generated from the definitions: every option of every command appears in its command's help.</summary>
public class HelpTests
{
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var (app, command) in AllCommands()) data.Add(app.CommandPath(command));
        return data;
    }

    internal static IEnumerable<(CliApp App, Command Command)> AllCommands()
    {
        foreach (var app in new[] { LiveCli.Create(), TrainCli.Create() })
        {
            yield return (app, app.Root);
            foreach (var c in app.Root.Subcommands.Where(c => !c.Hidden)) yield return (app, c);
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_lists_every_option_with_its_description(string path)
    {
        var (app, command) = AllCommands().Single(x => x.App.CommandPath(x.Command) == path);
        var help = CliHelp.Render(app.Root, app.ToolName, command);
        Assert.Contains($"Usage:\n  {path}", help);
        foreach (var option in command.Options.Concat(app.Root.Options.Where(o => o.Recursive)))
        {
            Assert.Contains(option.Name, help);
            if (option.Description is { Length: > 0 } d) Assert.Contains(Words(d), Words(help));
        }
        Assert.DoesNotContain("testhost", help);
    }

    /// <summary>Whitespace runs as one space (help wraps descriptions to its width).</summary>
    private static string Words(string s) => System.Text.RegularExpressions.Regex.Replace(s, @"\s+", " ");
}
