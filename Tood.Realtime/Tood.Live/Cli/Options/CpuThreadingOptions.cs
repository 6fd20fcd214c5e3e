using System.CommandLine;
using Tood.CommandLine;
using Tood.Realtime.Inference;

namespace Tood.Live.Cli.Options;

/// <summary>
/// <c>--cpu-runs N</c>, <c>--cpu-threads N</c>, <c>--cpu-spin on|off</c>: the CPU provider's threading. Options not
/// given stay null, so the command fills them with its mode's defaults (<see cref="CpuThreading.Or"/>).
/// </summary>
internal sealed class CpuThreadingOptions
{
    public Option<int?> Runs { get; } = CliOptions.OptionalInt("--cpu-runs", "N",
        "CPU provider: model runs in flight at once (default: one per core in file mode, 1 in live mode)", min: 1);
    public Option<int?> Threads { get; } = CliOptions.OptionalInt("--cpu-threads", "N",
        "CPU provider: ONNX Runtime intra-op threads per run (default: 1 in file mode, one per core in live mode)", min: 1);
    public Option<string?> Spin { get; } = OnOff("--cpu-spin",
        "CPU provider: let idle ORT threads spin-wait (default off: the pipeline's decode, drawing and encode threads need those cores)");

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Runs);
        command.Options.Add(Threads);
        command.Options.Add(Spin);
    }

    public CpuThreading Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        bool? spin = parse.GetValue(Spin) is { } onOff ? onOff == "on" : null;
        return new CpuThreading(parse.GetValue(Threads), spin, parse.GetValue(Runs));
    }

    // A string option: System.CommandLine only gives a bool-typed option the next token when it reads true/false.
    private static Option<string?> OnOff(string name, string description)
    {
        var option = CliOptions.Value<string?>(name, "on|off", description,
            s => s is "on" or "off" ? s : throw new FormatException($"{name} must be on|off, got '{s}'"));
        option.CompletionSources.Add("on", "off");
        return option;
    }
}
