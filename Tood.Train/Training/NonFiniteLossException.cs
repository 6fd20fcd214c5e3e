namespace Tood.Train.Training;

/// <summary>Training stopped on a NaN/infinite loss (spec P5). The message is one line naming the
/// epoch, iteration and the batch's image ids; the last good checkpoint is left untouched.</summary>
public sealed class NonFiniteLossException(string message) : Exception(message);
