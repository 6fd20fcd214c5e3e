using System.Globalization;

namespace Tood.Realtime.Inference;

public enum DeviceKind { Auto, Cpu, DirectML, Cuda }

/// <summary>
/// The --device value: auto | cpu | dml[:adapter] | cuda[:id]. <see cref="Id"/> is the DXGI adapter index
/// (dml:N) or CUDA device (cuda:N); plain <c>dml</c> has none and means the high-performance adapter
/// (<see cref="ExecutionProviderSelector.Configure"/>), plain <c>cuda</c> is device 0.
/// </summary>
public readonly record struct DeviceSpec(DeviceKind Kind, int? Id = null)
{
    public static DeviceSpec Auto => new(DeviceKind.Auto);
    public static DeviceSpec Cpu => new(DeviceKind.Cpu);

    public static DeviceSpec Parse(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        int colon = s.IndexOf(':');
        string head = colon < 0 ? s : s[..colon];
        int? id = null;
        if (colon >= 0)
        {
            if (!int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                throw new FormatException($"--device '{text}': the id after ':' must be a non-negative integer");
            id = n;
        }
        return head switch
        {
            "auto" when colon < 0 => Auto,
            "cpu" when colon < 0 => Cpu,
            "dml" or "directml" => new DeviceSpec(DeviceKind.DirectML, id),
            "cuda" or "gpu" => new DeviceSpec(DeviceKind.Cuda, id ?? 0),
            _ => throw new FormatException($"--device '{text}' is not one of auto, cpu, dml[:adapter], cuda[:id]"),
        };
    }

    public override string ToString() => Kind switch
    {
        DeviceKind.Auto => "auto",
        DeviceKind.Cpu => "cpu",
        DeviceKind.DirectML => Id is { } a ? $"dml:{a}" : "dml",
        _ => $"cuda:{Id ?? 0}",
    };
}
