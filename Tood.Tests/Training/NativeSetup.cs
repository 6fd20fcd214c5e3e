using System.Runtime.CompilerServices;
using Tood.Train.Training;

namespace Tood.Tests.Training;

internal static class NativeSetup
{
    // Same oneDNN ISA cap as tood-train (see NativeWorkarounds); must precede the first tensor op.
#pragma warning disable CA2255
    [ModuleInitializer]
    internal static void Init() => NativeWorkarounds.Apply();
#pragma warning restore CA2255
}
