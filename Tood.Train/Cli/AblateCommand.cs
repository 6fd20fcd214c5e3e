using System.CommandLine;
using Tood.CommandLine;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary>
/// <c>tood-train ablate</c>: the paper's Table 3 at small scale (spec §7.3) — T-Head + TAL against the
/// parallel head + ATSS, trained on the same data with the same budget, schedule and seed, both
/// evaluated on the same validation set (<see cref="Ablation"/>); <c>--full</c> adds the two mixed cells
/// (Table 6). Takes every <c>train</c> option; RUNDIR gets one sub-folder per cell.
/// </summary>
public sealed class AblateCommand : ToolCommand
{
    private readonly TrainOptionSet _options = new();
    private readonly Option<bool> _full = CliOptions.Flag("--full", "all four cells: also T-Head + ATSS and parallel head + TAL (paper Table 6)");

    public AblateCommand() : base("ablate", "T-Head + TAL against the parallel head + ATSS, same data and budget (paper Table 3); takes every train option")
    {
        _options.AddTo(this);
        Options.Add(_full);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var baseOptions = _options.Read(parse);
        IReadOnlyList<AblationResult> results;
        try
        {
            results = await Ablation.RunAsync(baseOptions, parse.GetValue(_full), console.Error, cancellationToken);
        }
        catch (NonFiniteLossException e)
        {
            console.Error.WriteLine($"tood-train ablate: {e.Message}");
            return TrainCommand.ExitNonFinite;
        }
        console.Out.Write(Ablation.ToTable(results));
        return ExitCodes.Ok;
    }
}
