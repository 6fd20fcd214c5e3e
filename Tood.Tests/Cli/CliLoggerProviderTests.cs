using Microsoft.Extensions.Logging;
using Tood.CommandLine;
using Xunit;

namespace Tood.Tests.Cli;

/// <summary>The tools' logger: one "prefix: message" line per message on the command's error writer, at any level
/// and category, formatted from the template exactly as string interpolation formatted the lines before.</summary>
public class CliLoggerProviderTests
{
    [Fact]
    public void Writes_each_message_as_one_prefixed_line_on_the_injected_error_writer()
    {
        var error = new StringWriter();
        using (var loggers = CliLoggerProvider.CreateFactory(new CliConsole(new StringWriter(), error, false), "tood-live val"))
        {
            var log = loggers.CreateLogger("Any.Category");
            log.LogInformation("source {Index}: {Source} @ {Fps:0.##} fps", 2, "a.mp4", 29.97002997);
            log.LogWarning("warning: {Model} is int8", "m.onnx");
            log.LogDebug("not shown: below the factory's default minimum level");
        }
        Assert.Equal("tood-live val: source 2: a.mp4 @ 29.97 fps\ntood-live val: warning: m.onnx is int8\n", error.ToString().ReplaceLineEndings("\n"));
    }
}
