using Tood.CommandLine;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary>
/// <c>tood-train ablate</c>: the paper's Table 3 at small scale (spec §7.3) — T-Head + TAL against the
/// parallel head + ATSS, trained on the same data with the same budget, schedule and seed, both
/// evaluated on the same validation set (<see cref="Ablation"/>, which also has the two mixed cells).
/// Takes every <c>train</c> option; RUNDIR gets one sub-folder per arm.
/// </summary>
public sealed class AblateCommand : ICommand
{
    public string Name => "ablate";
    public string Usage => "ablate --data ANN.json --images DIR --val-data ANN --val-images DIR --out RUNDIR [train options]   T-Head+TAL vs parallel head+ATSS (paper Table 3)";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var baseOptions = TrainCommand.Parse(args);
        IReadOnlyList<AblationResult> results;
        try
        {
            results = await Ablation.RunAsync(baseOptions, full: false, Console.Error, cancellationToken);
        }
        catch (NonFiniteLossException e)
        {
            Console.Error.WriteLine($"tood-train ablate: {e.Message}");
            return TrainCommand.ExitNonFinite;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"tood-train ablate: {e.Message}");
            return 1;
        }
        Console.Out.Write(Ablation.ToTable(results));
        return 0;
    }
}
