using System.Globalization;
using Tood.Train.Loss;

namespace Tood.Train.Training;

/// <summary>
/// When the ATSS warm-up hands over to TAL (spec §4 P4; issue 21). The paper switches after a fixed 4 epochs — about
/// 29,000 COCO steps, by which the detector already scores objects confidently where its boxes fit, which is what
/// TAL's metric t = s·u⁶ ranks. On small data the same epochs are a few dozen steps: the score
/// √(σ(cls)·σ(M)) is still capped near √0.01 = 0.1 by the alignment branch M, which starts at the prior and has not
/// moved; TAL's quality-focal targets cannot lift it (ATSS's focal loss does, after ~70 steps on 8 real photos),
/// so TAL ranks anchors by IoU alone, the score stays capped and AP on the training photos stayed near 0 for 200
/// steps (BENCHMARKS §14).
/// <para>So after the minimum <c>--warmup-epochs</c> the hand-over waits for TAL's own metric to be meaningful: the
/// alignment — t at each gt's best-aligned inside anchor, averaged over the gts of an epoch — reaches
/// <see cref="Threshold"/>. Threshold 0 is the paper's fixed schedule.</para>
/// </summary>
/// <param name="totalEpochs">The run's epochs: the last one decides nothing, so it measures nothing (an ATSS-only run,
/// <c>--warmup-epochs</c> = <c>--epochs</c>, never measures).</param>
internal sealed class Handover(int minWarmupEpochs, double threshold, int? talFromEpoch = null, int totalEpochs = int.MaxValue)
{
    /// <summary>The alignment that starts TAL; 0 = at <c>minWarmupEpochs</c> regardless.</summary>
    public double Threshold { get; } = threshold;

    /// <summary>First TAL epoch, once decided (kept in checkpoints so a resumed run keeps it).</summary>
    public int? TalFromEpoch { get; private set; } = talFromEpoch;

    public AssignMode ModeFor(int epoch) =>
        TalFromEpoch is { } first ? (epoch >= first ? AssignMode.TaskAligned : AssignMode.Atss)
        : Threshold <= 0 ? ToodLoss.ModeForEpoch(epoch, minWarmupEpochs)
        : AssignMode.Atss;

    /// <summary>Whether this epoch's steps should measure the alignment (its end may decide the hand-over).</summary>
    public bool Measures(int epoch) => Threshold > 0 && TalFromEpoch is null && epoch + 1 >= minWarmupEpochs && epoch + 1 < totalEpochs;

    /// <summary>Records an epoch's measured alignment; returns the line to log, or null when nothing was measured.</summary>
    public string? EndEpoch(int epoch, double? alignment)
    {
        if (!Measures(epoch) || alignment is not { } a) return null;
        if (a >= Threshold) TalFromEpoch = epoch + 1;
        var inv = CultureInfo.InvariantCulture;
        return a >= Threshold
            ? string.Create(inv, $"epoch {epoch + 1}: TAL from epoch {epoch + 2} (alignment s·u^6 at the best anchors {a:F3} ≥ {Threshold:G3})")
            : string.Create(inv, $"epoch {epoch + 1}: ATSS continues (alignment s·u^6 at the best anchors {a:F3} < {Threshold:G3})");
    }
}
