using Tood.CommandLine;
using Tood.Live.Cli;
using Tood.Train.Cli;

namespace Tood.Tests.Cli;

/// <summary>Runs a whole tool (parse, validation, action) with captured output.</summary>
internal static class CliRun
{
    public sealed record Result(int Code, string Out, string Err)
    {
        /// <summary>The single non-empty stderr line (a usage error is exactly one line).</summary>
        public string ErrorLine => Xunit.Assert.Single(Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    public static Task<Result> Live(params string[] args) => Run(LiveCli.Create(), args);
    public static Task<Result> Train(params string[] args) => Run(TrainCli.Create(), args);

    public static async Task<Result> Run(CliApp app, string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = await app.RunAsync(args, new CliConsole(o, e, InteractiveError: false), CancellationToken.None);
        return new Result(code, o.ToString(), e.ToString());
    }
}
