namespace Tood.Realtime.Video;

/// <summary>--show was asked for but no window can be opened (no display, or HighGUI without a GUI backend).</summary>
public sealed class WindowUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
