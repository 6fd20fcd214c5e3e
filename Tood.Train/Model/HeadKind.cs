namespace Tood.Train.Model;

/// <summary>Which dense head sits on the FPN (spec §2 T-Head vs the ATSS-style parallel baseline, PAPER Table 1).</summary>
public enum HeadKind
{
    /// <summary>T-Head: task-interactive features, task decomposition, TAP alignment (spec §2).</summary>
    TaskAligned,

    /// <summary>ATSS-style parallel head: separate 4-conv cls/reg towers + centerness, no alignment.</summary>
    Parallel,
}

public static class HeadKindNames
{
    /// <summary>CLI / checkpoint spelling: "tood" | "parallel".</summary>
    public static string ToName(this HeadKind kind) => kind switch
    {
        HeadKind.TaskAligned => "tood",
        HeadKind.Parallel => "parallel",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static HeadKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "tood" or "t-head" or "thead" or "taskaligned" => HeadKind.TaskAligned,
        "parallel" or "atss" => HeadKind.Parallel,
        _ => throw new ArgumentException($"unknown head '{name}' (expected tood|parallel)"),
    };
}
