namespace Tood.Train.Training;

/// <summary>
/// How an epoch's batches form optimizer steps under gradient accumulation: consecutive groups of
/// <c>accumulate</c> loader batches, the last group of the epoch possibly shorter (spec §4.5, P6: a group is
/// the "batch" whose sums normalise the loss).
/// </summary>
public readonly record struct BatchGroups(int Batches, int Accumulate)
{
    public int Steps => (Batches + Accumulate - 1) / Accumulate;

    /// <summary>Size of the group that 0-based iteration <paramref name="iteration"/> belongs to.</summary>
    public int SizeOf(int iteration)
    {
        int start = iteration / Accumulate * Accumulate;
        return Math.Min(Accumulate, Batches - start);
    }

    /// <summary>Whether 0-based iteration <paramref name="iteration"/> is the last of its group (the optimizer steps after it).</summary>
    public bool EndsGroup(int iteration) => (iteration + 1) % Accumulate == 0 || iteration + 1 == Batches;
}
