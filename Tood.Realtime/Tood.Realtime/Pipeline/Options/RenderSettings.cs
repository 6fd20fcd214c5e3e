namespace Tood.Realtime.Pipeline;

/// <summary>What is drawn on the frames, and whether a window shows them.</summary>
public sealed record RenderSettings
{
    /// <summary>Box line width in pixels; 0 = scaled to the frame.</summary>
    public int LineWidth { get; init; }
    /// <summary>Trail of the last N box centres per track on the overlay (0 = none, else ≥ 2; needs tracking).</summary>
    public int Trails { get; init; }
    /// <summary>Draw the FPS/latency status line on the frames every sink gets (saved video included). Off: only the
    /// <see cref="Show"/> window draws it, on its own copy.</summary>
    public bool DrawStatus { get; init; }
    /// <summary>Show the annotated frames in a window per stream ('q' or Esc stops the run).</summary>
    public bool Show { get; init; }

    internal void Validate()
    {
        if (LineWidth < 0) throw new ArgumentOutOfRangeException(nameof(LineWidth), $"{nameof(LineWidth)} must be ≥ 0");
        if (Trails is < 0 or 1) throw new ArgumentOutOfRangeException(nameof(Trails), $"{nameof(Trails)} must be 0 or ≥ 2");
    }
}
