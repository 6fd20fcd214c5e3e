using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tood.Realtime.Common;

/// <summary>How every report Tood writes as JSON (val, bench, bench-train) is serialised: indented, each key its
/// property's name in snake_case, and a NaN or infinity (an undefined AP, a phase never timed) written as a string
/// instead of failing the whole report.</summary>
public static class ReportJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
