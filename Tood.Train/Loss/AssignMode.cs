namespace Tood.Train.Loss;

/// <summary>Which assigner/loss pair a training step uses (spec §4.4).</summary>
public enum AssignMode
{
    /// <summary>Warm-up epochs: ATSS assignment, focal loss, centerness box weights (spec §4.1).</summary>
    Atss,

    /// <summary>Task-alignment learning: TAL assignment, QFL with soft t̂, t̂ box weights (spec §4.2-4.3).</summary>
    TaskAligned,
}
