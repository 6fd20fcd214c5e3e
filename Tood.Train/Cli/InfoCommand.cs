using System.Globalization;
using Tood.CommandLine;
using Tood.Train.Model;

namespace Tood.Train.Cli;

/// <summary><c>tood-train info --preset P --classes K [--head tood|parallel]</c>: parameter counts.</summary>
public sealed class InfoCommand : ICommand
{
    public string Name => "info";
    public string Usage => "info --preset tiny|r18|r50 --classes K [--head tood|parallel]   print parameter counts";

    public Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var p = new ArgParser(args, new HashSet<string>());
        var preset = p.Required("preset");
        int classes = p.Int("classes", 80);
        var headName = p.String("head", "tood")!;
        p.ThrowOnUnknown();
        if (p.Positionals.Count > 0) throw new UsageException($"unexpected argument '{p.Positionals[0]}'");
        if (classes < 1) throw new UsageException($"--classes must be ≥ 1, got {classes}");
        HeadKind head;
        ModelConfig cfg;
        try
        {
            head = HeadKindNames.Parse(headName);
            cfg = ModelPresets.Get(preset, classes, head);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        using var model = new ToodDetector(cfg);
        var counts = model.CountParameters();
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Create(inv, $"preset {cfg.Preset}, head {head.ToName()}, {classes} classes, FPN {cfg.FpnChannels} ch, {cfg.StackedConvs} stacked convs, GN {cfg.GnGroups}"));
        Console.Out.WriteLine(string.Create(inv, $"backbone  {counts.Backbone,12:N0}"));
        Console.Out.WriteLine(string.Create(inv, $"neck      {counts.Neck,12:N0}"));
        Console.Out.WriteLine(string.Create(inv, $"head      {counts.Head,12:N0}  ({counts.Head / 1e6:F2} M)"));
        Console.Out.WriteLine(string.Create(inv, $"total     {counts.Total,12:N0}  ({counts.Total / 1e6:F2} M, trainable {model.TrainableParameters():N0})"));
        return Task.FromResult(0);
    }
}
