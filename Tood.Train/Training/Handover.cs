using System.Globalization;
using Tood.Train.Loss;

namespace Tood.Train.Training;

/// <summary>
/// When the ATSS warm-up hands over to TAL (spec §4 P4; issue 21). The paper switches after a fixed 4 epochs — about
/// 29,000 COCO steps, by which the classifier has learned where the objects are, so TAL's positives (the top-13 of
/// t = s·u⁶) are mostly anchors the warm-up already trained as positives. On small data the same epoch count is a
/// few dozen steps: the scores are still flat, TAL ranks anchors by predicted IoU alone, and on 8 real photos only
/// 12–30 % of its positives were ATSS positives at the switch (BENCHMARKS §14). The classifier is then asked to
/// unlearn most of what it has just learned, and AP on the training photos stayed near 0 for 200 steps.
/// <para>So after the minimum <c>--warmup-epochs</c> the hand-over waits for a measured condition: the agreement —
/// the share of TAL's positives, assigned on the same batches without gradients, that are ATSS positives — over the
/// last epoch reaches <see cref="Threshold"/>. Threshold 0 is the paper's fixed schedule.</para>
/// </summary>
internal sealed class Handover(int minWarmupEpochs, double threshold, int? talFromEpoch = null)
{
    /// <summary>The agreement that starts TAL; 0 = at <c>minWarmupEpochs</c> regardless.</summary>
    public double Threshold { get; } = threshold;

    /// <summary>First TAL epoch, once decided (kept in checkpoints so a resumed run keeps it).</summary>
    public int? TalFromEpoch { get; private set; } = talFromEpoch;

    public AssignMode ModeFor(int epoch) =>
        TalFromEpoch is { } first ? (epoch >= first ? AssignMode.TaskAligned : AssignMode.Atss)
        : Threshold <= 0 ? ToodLoss.ModeForEpoch(epoch, minWarmupEpochs)
        : AssignMode.Atss;

    /// <summary>Whether this epoch's steps should measure the agreement (its end may decide the hand-over).</summary>
    public bool Measures(int epoch) => Threshold > 0 && TalFromEpoch is null && epoch + 1 >= minWarmupEpochs;

    /// <summary>Records an epoch's measured agreement; returns the line to log, or null when nothing was measured.</summary>
    public string? EndEpoch(int epoch, double? agreement)
    {
        if (!Measures(epoch) || agreement is not { } a) return null;
        if (a >= Threshold) TalFromEpoch = epoch + 1;
        var inv = CultureInfo.InvariantCulture;
        return a >= Threshold
            ? string.Create(inv, $"epoch {epoch + 1}: TAL from epoch {epoch + 2} (ATSS/TAL positive agreement {a:F3} ≥ {Threshold:G3})")
            : string.Create(inv, $"epoch {epoch + 1}: ATSS continues (ATSS/TAL positive agreement {a:F3} < {Threshold:G3})");
    }
}
