namespace Tood.Realtime.Inference;

/// <summary>
/// The explicitly requested GPU was lost during a run (driver reset, device removed, CUDA context error) and a
/// rebuilt session did not bring it back. A kind of <see cref="ExecutionProviderUnavailableException"/>: the
/// requested device is no longer available.
/// </summary>
public sealed class DeviceLostException(string message) : ExecutionProviderUnavailableException(message);
