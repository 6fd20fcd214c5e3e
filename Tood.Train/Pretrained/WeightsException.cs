namespace Tood.Train.Pretrained;

/// <summary>
/// A weight file that cannot be read or does not fit the model. The message is one line that names
/// the file (and, for key problems, the first offending keys with shapes).
/// </summary>
public sealed class WeightsException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The key problems behind this error; empty when the file itself could not be read.</summary>
    public IReadOnlyList<KeyProblem> Problems { get; init; } = [];
}
