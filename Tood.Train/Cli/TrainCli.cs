using System.CommandLine;
using Tood.CommandLine;
using Tood.Train.Model;
using Tood.Train.Pretrained;

namespace Tood.Train.Cli;

/// <summary>
/// The tood-train command tree. A new command is a <see cref="ToolCommand"/> in its own file in Cli/, added to
/// <see cref="Create"/>; shared option kinds are in <see cref="TrainCliOptions"/>, train's own in <see cref="TrainOptionSet"/>.
/// </summary>
public static class TrainCli
{
    public const string ToolName = "tood-train";

    public static CliApp Create()
    {
        var root = new RootCommand("tood-train — TOOD training, evaluation and ONNX export (TorchSharp)")
        {
            new TrainCommand(),
            new EvalCommand(),
            new ExportCommand(),
            new QuantizeCommand(),
            new ImportMmdetCommand(),
            new InfoCommand(),
            new SynthCommand(),
            new AblateCommand(),
            new BenchTrainCommand(),
        };
        var app = new CliApp(ToolName, root)
        {
            IsInputError = e => e is CheckpointException or WeightsException or InvalidDataException or IOException or UnauthorizedAccessException,
        };
        // "tood-train help" (older docs) prints the same as --help.
        var help = new Command("help", "show help") { Hidden = true };
        help.SetAction(p => { p.InvocationConfiguration.Output.Write(CliHelp.Render(root, ToolName, root)); return ExitCodes.Ok; });
        root.Subcommands.Add(help);
        return app;
    }

    /// <summary>Runs tood-train; returns the process exit code (see <see cref="ExitCodes"/>; train also 3).</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken) =>
        Create().RunAsync(args, console, cancellationToken);
}
