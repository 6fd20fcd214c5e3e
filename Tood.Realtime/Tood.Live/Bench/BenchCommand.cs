using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Tood.CommandLine;
using Tood.Live.Cli.Options;
using Tood.Realtime.Common;
using Tood.Realtime.Inference;

namespace Tood.Live.Bench;

/// <summary><c>tood-live bench</c>: run <see cref="BenchRunner"/>, print the table, write the JSON.</summary>
internal sealed class BenchCommand : ToolCommand, IHelpText
{
    private readonly Option<string[]> _model = Models();
    private readonly Option<int> _rounds = CliOptions.Int("--rounds", "R", "with several models: interleaved rounds per mode (medians reported)", 3, min: 1);
    private readonly Option<string> _source = CliOptions.RequiredText("--source", "VIDEO", "video file (decoded by OpenCV; the first F frames are used)");
    private readonly Option<int> _batch = CliOptions.Int("--batch", "N", "frames per model run in every mode", 1, min: 1);
    private readonly Option<int> _frames = CliOptions.Int("--frames", "F", "frames (images) per mode", 100, min: 1);
    private readonly Option<string?> _json = CliOptions.Text("--json", "OUT.json", "also write the report as JSON");
    private readonly Option<DeviceSpec> _device = DeviceOption.Create("cpu", "auto | cpu | dml[:adapter] | cuda[:id]");
    private readonly CpuThreadingOptions _cpu = new();
    private readonly CodecOption _codec = new("mp4 encoder of the pipeline and naive modes (as tood-live: H.264 through ffmpeg when installed)");
    private readonly Option<bool> _noDnn = CliOptions.Flag("--no-opencv-dnn", "skip the OpenCV DNN comparison");

    public BenchCommand() : base("bench", "how close the video pipeline gets to the model's own speed (one process)")
    {
        Options.Add(_model);
        Options.Add(_source);
        Options.Add(_batch);
        Options.Add(_frames);
        Options.Add(_json);
        Options.Add(_device);
        _cpu.AddTo(this);
        Options.Add(_codec.Option);
        Options.Add(_noDnn);
        Options.Add(_rounds);
    }

    private static Option<string[]> Models()
    {
        var o = CliOptions.Repeatable("--model", "M.onnx", "model exported by 'tood-train export'; repeat it to compare models in one run (e.g. fp32 and int8)");
        o.Required = true;
        return o;
    }

    public string Epilog => """
        CPU threading defaults are tood-live's file mode (one single-threaded run per core, no spin-waiting); the raw
        and naive baselines are also measured with ORT's defaults and with one run on every core, spin-waiting.
        Modes: raw session.Run on pre-filled buffers (the limit), VideoPipeline (file mode, mp4 written to a temp dir),
        a naive single-thread loop of the same steps, OpenCV DNN (or why it cannot run the model).
        With several --model: per model, raw session ms per frame (the pipeline's threading, and one run on every core)
        and pipeline FPS, interleaved over --rounds rounds so a drifting machine slows every model alike; medians and
        ratios to the first model.
        """;

    /// <summary>The options a command line asks for (tests read them without running the bench).</summary>
    /// <summary>The reports' JSON keys are their properties' names in snake case; the few exceptions are named on the property.</summary>

    internal BenchOptions Read(ParseResult parse, ILoggerFactory loggerFactory) => new()
    {
        Model = parse.GetRequiredValue(_model)[0],
        Source = parse.GetRequiredValue(_source),
        Batch = parse.GetValue(_batch),
        Frames = parse.GetValue(_frames),
        Device = parse.GetValue(_device),
        Cpu = _cpu.Read(parse).Or(CpuThreading.ForMode(live: false)),
        Codec = _codec.Read(parse),
        SkipOpenCvDnn = parse.GetValue(_noDnn),
        Rounds = parse.GetValue(_rounds),
        LoggerFactory = loggerFactory,
    };

    protected override async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        using var loggers = CliLoggerProvider.CreateFactory(console, "tood-live bench");
        var options = Read(parse, loggers);
        var models = parse.GetRequiredValue(_model);
        string table;
        object report;
        if (models.Length > 1)
        {
            var c = await BenchComparison.RunAsync(models, options, cancellationToken);
            (table, report) = (c.ToTable(), c);
        }
        else
        {
            var r = await BenchRunner.RunAsync(options, cancellationToken);
            (table, report) = (r.ToTable(), r);
        }
        console.Out.Write(table);
        if (parse.GetValue(_json) is { } json)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, report.GetType(), ReportJson.Options), cancellationToken);
            console.Out.WriteLine($"json: {Path.GetFullPath(json)}");
        }
        return ExitCodes.Ok;
    }
}
