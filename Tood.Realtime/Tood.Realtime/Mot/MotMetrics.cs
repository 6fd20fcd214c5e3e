using System.Globalization;

namespace Tood.Realtime.Mot;

/// <summary>
/// CLEAR MOT (Bernardin &amp; Stiefelhagen 2008) and identity (Ristani et al. 2016) metrics of one sequence.
/// MOTA = 1 − (FN + FP + IDSW) / GT; MOTP = mean IoU of the matched pairs; IDF1 = 2·IDTP / (GT + hypotheses).
/// Fragmentations count interruptions of a ground-truth track's coverage (a miss run between two matches);
/// mostly tracked/lost: ground-truth tracks matched in ≥ 80 % / &lt; 20 % of their frames.
/// </summary>
public sealed record MotMetrics(
    int Frames, long GroundTruth, long Hypotheses, int GroundTruthIds, int HypothesisIds,
    long Matches, long FalseNegatives, long FalsePositives, long IdSwitches, long Fragmentations,
    double IouSum, long IdTruePositives, int MostlyTracked, int MostlyLost)
{
    public double Mota => GroundTruth == 0 ? double.NaN : 1 - (double)(FalseNegatives + FalsePositives + IdSwitches) / GroundTruth;
    public double Motp => Matches == 0 ? double.NaN : IouSum / Matches;
    public long IdFalseNegatives => GroundTruth - IdTruePositives;
    public long IdFalsePositives => Hypotheses - IdTruePositives;
    public double Idf1 => GroundTruth + Hypotheses == 0 ? double.NaN : 2.0 * IdTruePositives / (GroundTruth + Hypotheses);
    public double Idp => Hypotheses == 0 ? double.NaN : (double)IdTruePositives / Hypotheses;
    public double Idr => GroundTruth == 0 ? double.NaN : (double)IdTruePositives / GroundTruth;
    public double Recall => GroundTruth == 0 ? double.NaN : (double)Matches / GroundTruth;
    public double Precision => Matches + FalsePositives == 0 ? double.NaN : (double)Matches / (Matches + FalsePositives);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"MOTA {Mota:P1}  IDF1 {Idf1:P1}  IDSW {IdSwitches}  FN {FalseNegatives}  FP {FalsePositives}  Frag {Fragmentations}  MOTP {Motp:0.000}  " +
        $"recall {Recall:P1}  precision {Precision:P1}  IDP {Idp:P1}  IDR {Idr:P1}  MT {MostlyTracked}/{GroundTruthIds}  ML {MostlyLost}  " +
        $"({Frames} frames, {GroundTruth} GT boxes, {GroundTruthIds} GT IDs, {HypothesisIds} hypothesis IDs)");
}
