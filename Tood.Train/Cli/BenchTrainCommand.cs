using System.CommandLine;
using System.Text.Json;
using Tood.CommandLine;
using Tood.Realtime.Common;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary><c>tood-train bench-train</c>: per-phase training step times (see <see cref="TrainStepBench"/>).</summary>
public sealed class BenchTrainCommand : ToolCommand
{
    private static readonly TrainBenchOptions D = new();
    private readonly Option<string> _preset = TrainCliOptions.Preset(D.Preset);
    private readonly Option<int> _imgsz = TrainCliOptions.ImageSize(D.ImageSize, "square input size in pixels, a multiple of 32");
    private readonly Option<(int Width, int Height)?> _canvas = CliOptions.Value<(int Width, int Height)?>("--canvas", "WxH",
        "a non-square canvas instead of --imgsz², e.g. 1344x800 (the r50 recipe's padded 1333x800): the trainer's step on rendered synthetic images, no data loader",
        text => TrainCliOptions.ParsePaddedSize("--canvas", text));
    private readonly Option<int> _batch = CliOptions.Int("--batch", "N", "images per step", D.BatchSize, min: 1);
    private readonly Option<int> _steps = CliOptions.Int("--steps", "N", "measured steps", D.Steps, min: 1);
    private readonly Option<int> _workers = TrainCliOptions.Workers(D.Workers);
    private readonly Option<bool> _atss = CliOptions.Flag("--atss", "ATSS assignment (the warm-up epochs) instead of TAL");
    private readonly Option<string> _device = TrainCliOptions.Device(D.Device);
    private readonly Option<string?> _json = CliOptions.Text("--json", "OUT.json", "also write the report as JSON");

    public BenchTrainCommand() : base("bench-train", "training step breakdown (data, forward, assign, loss, backward, optimizer)")
    {
        foreach (var o in new Option[] { _preset, _imgsz, _canvas, _batch, _steps, _workers, _atss, _device, _json }) Options.Add(o);
    }

    /// <summary>The options a command line (after "bench-train") asks for; a usage error throws <see cref="UsageException"/>.</summary>
    public static (TrainBenchOptions Options, string? Json) Parse(IReadOnlyList<string> args)
    {
        var command = new BenchTrainCommand();
        var parse = CliParsing.ParseOrThrow(command, args);
        return (command.Read(parse), parse.GetValue(command._json));
    }

    private TrainBenchOptions Read(ParseResult parse) => new()
    {
        Preset = parse.GetRequiredValue(_preset),
        ImageSize = parse.GetValue(_imgsz),
        Canvas = parse.GetValue(_canvas),
        BatchSize = parse.GetValue(_batch),
        Steps = parse.GetValue(_steps),
        Workers = parse.GetValue(_workers),
        Atss = parse.GetValue(_atss),
        Device = parse.GetRequiredValue(_device),
    };

    protected override async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var report = await TrainStepBench.RunAsync(Read(parse), console.Error, cancellationToken);
        console.Out.Write(report.ToTable());
        if (parse.GetValue(_json) is { } json)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, ReportJson.Options), cancellationToken);
            console.Out.WriteLine($"json: {Path.GetFullPath(json)}");
        }
        return ExitCodes.Ok;
    }
}
