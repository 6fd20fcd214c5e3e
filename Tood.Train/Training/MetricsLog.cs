using System.Globalization;

namespace Tood.Train.Training;

/// <summary>One row of RUNDIR/metrics.csv (one per epoch).</summary>
public sealed record EpochMetrics(int Epoch, long Step, string Mode, double Lr, double Loss, double LossCls, double LossBbox,
    double? LossCenterness, double MeanPositives, double ItersPerSecond, double DataWaitShare, double EpochSeconds, double? ValAp, double? ValAp50);

/// <summary>Appends <see cref="EpochMetrics"/> to a CSV file; on resume, rows of epochs that are re-run are
/// dropped first so the file has exactly one row per finished epoch.</summary>
public sealed class MetricsLog(string path)
{
    public const string Header = "epoch,step,mode,lr,loss,loss_cls,loss_bbox,loss_ctr,mean_pos,it_per_s,data_wait_share,epoch_s,val_ap,val_ap50";
    public string Path { get; } = path;

    /// <summary>Keeps only rows with epoch &lt; <paramref name="epoch"/> (or creates the file with its header).</summary>
    public void TruncateFrom(int epoch)
    {
        var rows = Read().Where(r => r.Epoch < epoch).ToList();
        var tmp = Path + ".tmp";
        File.WriteAllLines(tmp, [Header, .. rows.Select(Format)]);
        File.Move(tmp, Path, overwrite: true);
    }

    public void Append(EpochMetrics m) => File.AppendAllLines(Path, [Format(m)]);

    public List<EpochMetrics> Read()
    {
        if (!File.Exists(Path)) return [];
        var list = new List<EpochMetrics>();
        foreach (var line in File.ReadLines(Path).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length != 14) continue;
            list.Add(new EpochMetrics(int.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), f[2],
                D(f[3]), D(f[4]), D(f[5]), D(f[6]), N(f[7]), D(f[8]), D(f[9]), D(f[10]), D(f[11]), N(f[12]), N(f[13])));
        }
        return list;
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    private static double? N(string s) => s.Length == 0 ? null : D(s);

    private static string Format(EpochMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"{m.Epoch},{m.Step},{m.Mode},{m.Lr:G6},{m.Loss:G6},{m.LossCls:G6},{m.LossBbox:G6},{m.LossCenterness:G6},{m.MeanPositives:G6},{m.ItersPerSecond:G4},{m.DataWaitShare:G4},{m.EpochSeconds:G5},{m.ValAp:G5},{m.ValAp50:G5}");
}
