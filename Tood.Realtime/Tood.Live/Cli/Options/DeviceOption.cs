using System.CommandLine;
using Tood.CommandLine;
using Tood.Realtime.Inference;

namespace Tood.Live.Cli.Options;

/// <summary><c>--device auto|cpu|dml[:adapter]|cuda[:id]</c> (tood-live, its bench, and any command that runs the model).</summary>
internal static class DeviceOption
{
    public static Option<DeviceSpec> Create(string defaultValue, string description)
    {
        var option = CliOptions.Value("--device", "D", description, DeviceSpec.Parse, () => DeviceSpec.Parse(defaultValue));
        option.CompletionSources.Add("auto", "cpu", "dml", "dml:0", "dml:1", "cuda", "cuda:0");
        return option;
    }
}
