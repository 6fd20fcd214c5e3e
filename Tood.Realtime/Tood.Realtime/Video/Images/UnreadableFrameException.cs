namespace Tood.Realtime.Video.Images;

/// <summary>One frame of a source could not be decoded, but the next may (a corrupt image in a folder): the
/// capture loop reports the message, counts the frame as unreadable and goes on.</summary>
public sealed class UnreadableFrameException(string message) : Exception(message);
