using System.CommandLine;
using Tood.CommandLine;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary><c>tood-train train ...</c>: see <see cref="Trainer"/>. Exit 0 done, 1 bad input, 2 usage, 3 non-finite loss.</summary>
public sealed class TrainCommand : ToolCommand, IHelpText
{
    public const int ExitNonFinite = 3;
    private readonly TrainOptionSet _options = new();

    public TrainCommand() : base("train", "train a TOOD detector on a COCO-format dataset") => _options.AddTo(this);

    public string Epilog => """
        Writes RUNDIR/metrics.csv, RUNDIR/curves.png, RUNDIR/last.ckpt every epoch (with optimizer state; --resume
        continues from it) and RUNDIR/best.ckpt for the best validation mAP. A NaN/infinite loss stops training with
        the iteration and the batch's image ids (exit 3); the last good checkpoint is kept.
        """;

    /// <summary>The options a command line (after "train") asks for; a usage error throws <see cref="UsageException"/>.</summary>
    public static TrainOptions Parse(IReadOnlyList<string> args)
    {
        var command = new TrainCommand();
        return command._options.Read(CliParsing.ParseOrThrow(command, args));
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var o = _options.Read(parse);
        try
        {
            await new Trainer(o).RunAsync(cancellationToken);
            return ExitCodes.Ok;
        }
        catch (NonFiniteLossException e)
        {
            console.Error.WriteLine($"tood-train train: {e.Message}");
            return ExitNonFinite;
        }
    }
}
