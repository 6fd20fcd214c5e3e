using System.CommandLine;
using System.Globalization;
using Tood.CommandLine;
using Tood.Train.Model;

namespace Tood.Train.Cli;

/// <summary><c>tood-train info --preset P --classes K [--head tood|parallel]</c>: parameter counts.</summary>
public sealed class InfoCommand : ToolCommand
{
    private readonly Option<string> _preset = TrainCliOptions.Preset(null);
    private readonly Option<int> _classes = CliOptions.Int("--classes", "K", "number of classes", 80, min: 1);
    private readonly Option<HeadKind> _head = TrainCliOptions.Head();

    public InfoCommand() : base("info", "print parameter counts of a preset")
    {
        Options.Add(_preset);
        Options.Add(_classes);
        Options.Add(_head);
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        int classes = parse.GetValue(_classes);
        var head = parse.GetValue(_head);
        var cfg = ModelPresets.Get(parse.GetRequiredValue(_preset), classes, head);
        using var model = new ToodDetector(cfg);
        var counts = model.CountParameters();
        var inv = CultureInfo.InvariantCulture;
        var o = console.Out;
        o.WriteLine(string.Create(inv, $"preset {cfg.Preset}, head {head.ToName()}, {classes} classes, FPN {cfg.FpnChannels} ch, {cfg.StackedConvs} stacked convs, GN {cfg.GnGroups}"));
        o.WriteLine(string.Create(inv, $"backbone  {counts.Backbone,12:N0}"));
        o.WriteLine(string.Create(inv, $"neck      {counts.Neck,12:N0}"));
        o.WriteLine(string.Create(inv, $"head      {counts.Head,12:N0}  ({counts.Head / 1e6:F2} M)"));
        o.WriteLine(string.Create(inv, $"total     {counts.Total,12:N0}  ({counts.Total / 1e6:F2} M, trainable {model.TrainableParameters():N0})"));
        return Task.FromResult(ExitCodes.Ok);
    }
}
