using System.CommandLine;
using Microsoft.Extensions.Logging;
using Tood.CommandLine;
using Tood.Live.Cli;
using Tood.Live.Cli.Options;
using Tood.Realtime.Datasets;
using Tood.Realtime.Evaluation;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Sinks;
using Tood.Realtime.Validation;

namespace Tood.Live.Val;

/// <summary>
/// <c>tood-live val</c>: the COCO evaluation of the artifact that ships — the exported ONNX with the runtime's own
/// letterbox and decoder (<see cref="DatasetValidator"/>) over every image of a dataset split; prints the 12 stats,
/// per-class AP and the confusion summary, optionally writes the JSON report, the PR-curve PNGs and the detections.
/// </summary>
internal sealed class ValCommand : ToolCommand, IHelpText
{
    private readonly Option<string> _model = CliOptions.RequiredText("--model", "M.onnx", "model exported by 'tood-train export' (Tood metadata required)");
    private readonly Option<string> _data = CliOptions.RequiredText("--data", "DATA",
        "COCO annotations .json (with --images), YOLO data.yaml (or its folder), or a Pascal VOC folder");
    private readonly Option<string> _split = CliOptions.Value("--split", "S", "split of a YOLO or VOC dataset: train | val | test", s => s, () => "val");
    private readonly Option<string?> _images = CliOptions.Text("--images", "DIR", "image folder of a COCO .json");
    private readonly Option<int> _batch = CliOptions.Int("--batch", "N", "images per model run", 1, min: 1);
    private readonly Option<DeviceSpec> _device = DeviceOption.Create("auto", "auto | cpu | dml[:adapter] | cuda[:id] (as tood-live)");
    private readonly CpuThreadingOptions _cpu = new();
    private readonly DetectionOptions _detection = new(defaultConf: 0.05,
        classesDescription: "evaluate only these shared classes (data or model names, or model class indices); the decoder keeps only them, as tood-live --classes does");
    private readonly Option<Dictionary<string, string>?> _map = CliOptions.Value("--map", "m=d,...",
        "pair model classes with data classes of another name (e.g. motorbike=motorcycle); other classes match by name", ParseMap);
    private readonly Option<double> _confusionConf = CliOptions.Number("--confusion-conf", "T",
        "score threshold of the confusion summary (an operating point; tood-live's default --conf)", 0.25, 0, 1);
    private readonly Option<string?> _json = CliOptions.Text("--json", "OUT.json", "write the report as JSON: stats, per-class AP, PR curves, confusion, settings");
    private readonly Option<string?> _plots = CliOptions.Text("--plots", "DIR", "write PR-curve PNGs: pr_curve.png (every class + mean) and pr_<class>.png");
    private readonly Option<string?> _results = CliOptions.Text("--results", "dets.json", "also write the detections (COCO results format, for pycocotools)");

    public ValCommand() : base("val", "COCO mAP of an exported model run as deployed (ONNX Runtime, the runtime's letterbox and decoder) on a dataset")
    {
        foreach (var o in new Option[] { _model, _data, _split, _images, _batch, _device }) Options.Add(o);
        _cpu.AddTo(this);
        _detection.AddTo(this);
        Options.Add(_map);
        foreach (var o in new Option[] { _confusionConf, _json, _plots, _results }) Options.Add(o);
    }

    public string Usage => "tood-live val --model M.onnx --data DATA [--split val | --images DIR] [options]";

    public string Epilog => """
        Every image of the split is letterboxed into the model's input exactly as tood-live does, run by ONNX Runtime
        and decoded by the runtime's decoder at the COCO-evaluation settings of MMDetection's TOOD test_cfg, which the
        training validator and tood-train eval also use: score > 0.05 (--conf; 0.001 is the other common choice: it
        adds low-score detections, usually a little AP), top 1000 (location, class) pairs per level, class-aware NMS
        at IoU 0.6, 100 per image, boxes not clipped. AP/AR are pycocotools' (IoU .50:.95, area ranges, maxDets
        1/10/100); the PR curves are COCO's interpolated precision at IoU 0.5.
        Classes are matched by name (any case) between the model's metadata and the data, or paired by --map; model
        classes the data lacks are not evaluated, data classes the model lacks are left out (both listed on stderr).
        Confusion summary (--confusion-conf, IoU 0.5): per image, detections on a box of their own class are
        correct, the rest on a box of another class are counted per (predicted, true) pair, the others are
        background; boxes nothing matched are missed.
        Exit codes: 0 done, 1 error (missing or malformed model, data or label; no shared class), 2 usage error.

        Examples:
          tood-live val --model tood_r18_person.onnx --data ../shared/datasets/coco128/data.yaml --plots val_plots
          tood-live val --model tood_r50.onnx --data instances_val2017.json --images val2017 --json val.json
        """;

    protected override async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        using var loggers = CliLoggerProvider.CreateFactory(console, "tood-live val");
        var log = loggers.CreateLogger<ValCommand>();
        // Outputs are checked before the run: a bad path must not cost the whole evaluation.
        var json = parse.GetValue(_json) is { } j ? new PartialFile(j, "--json") : null;
        var results = parse.GetValue(_results) is { } r ? new PartialFile(r, "--results") : null;
        string? plots = parse.GetValue(_plots);
        try
        {
            if (plots is not null) CreatePlotDir(plots);
            string modelPath = parse.GetRequiredValue(_model);
            int batch = parse.GetValue(_batch);
            using var detector = Detector.Load(modelPath, new DetectorOptions
            {
                Device = parse.GetValue(_device), MaxBatch = batch, BufferSets = 2, LoggerFactory = loggers,
                Cpu = _cpu.Read(parse).Or(CpuThreading.ForMode(live: false)),
                Decode = _detection.Read(parse, DecodeOptions.CocoEval),
            });
            var data = DetectionData.Load(parse.GetRequiredValue(_data), parse.GetValue(_split)!, parse.GetValue(_images));
            string dataName = data.Source;
            int allBoxes = data.Coco.Annotations.Count;
            var classes = MatchClasses(parse, detector, data, modelPath);
            data = data.WithClasses(classes.Shared.Select(s => s.Name).ToList());

            var d = detector.DecodeOptions;
            log.LogInformation("{Data}: {Images} images, {Boxes} boxes of the evaluated classes (of {AllBoxes}); {Classes}",
                dataName, data.Coco.Images.Count, data.Coco.Annotations.Count, allBoxes, classes.Describe());
            log.LogInformation("model {Model} ({Preset}, input {Width}x{Height} letterbox) on {Device}; " +
                "decoder: score > {ScoreThreshold}, top {TopK}/level, NMS IoU {IouThreshold}, {MaxDetections}/image, {Clipping}",
                Path.GetFileName(modelPath), detector.Model.Preset, detector.Model.InputWidth, detector.Model.InputHeight, detector.Device,
                d.ScoreThreshold, d.PreNmsTopK, d.IouThreshold, d.MaxDetections, d.ClipToImage ? "clipped" : "not clipped");

            var bar = console.InteractiveError ? new ProgressBar(console.Error) : null;
            ValidationResult result;
            try
            {
                result = await DatasetValidator.RunAsync(detector, data.Coco, data.ImageDir, classes, new ValidationOptions
                {
                    ConfusionScoreThreshold = parse.GetValue(_confusionConf), Progress = bar, LoggerFactory = loggers,
                }, cancellationToken);
            }
            finally { bar?.Finish(); }
            log.LogInformation("{Images} images in {Seconds:0.0} s ({ImagesPerSecond:0.0} images/s), {Detections} detections",
                result.Images, result.Seconds, result.Images / Math.Max(result.Seconds, 1e-9), result.Detections.Count);
            console.Out.Write(ValidationText.Format(result));

            await WriteOutputsAsync(console, result, detector, dataName, json, results, plots, cancellationToken);
            return ExitCodes.Ok;
        }
        finally
        {
            json?.Delete();
            results?.Delete();
        }
    }

    /// <summary>The model's classes matched to the data's by name (or --map), restricted by --classes.</summary>
    private ClassMapping MatchClasses(ParseResult parse, Detector detector, DetectionData data, string modelPath)
    {
        ClassMapping classes;
        try { classes = ClassMapping.Match(detector.ClassNames, data.Coco.Categories, parse.GetValue(_map)); }
        catch (ArgumentException e) { throw new UsageException($"--map: {e.Message}"); }
        if (parse.GetValue(_detection.Classes) is { Length: > 0 } only)
        {
            try { classes = classes.Restrict(only); }
            catch (ArgumentException e) { throw new UsageException($"--classes: {e.Message}"); }
            detector.DecodeOptions = detector.DecodeOptions with { Classes = classes.Shared.Select(s => s.ModelClass).ToHashSet() };
        }
        classes.EnsureShared(Path.GetFileName(modelPath), data.Source);
        return classes;
    }

    private static async Task WriteOutputsAsync(CliConsole console, ValidationResult result, Detector detector, string dataName,
        PartialFile? json, PartialFile? results, string? plots, CancellationToken ct)
    {
        if (json is not null)
        {
            await File.WriteAllTextAsync(json.TempPath, ValidationReport.Create(result, detector, dataName).ToJson(), ct);
            json.Commit();
            console.Out.WriteLine($"json: {json.FinalPath}");
        }
        if (results is not null)
        {
            DetectionResultsFile.Save(results.TempPath, result.Detections);
            results.Commit();
            console.Out.WriteLine($"results: {results.FinalPath}");
        }
        if (plots is not null)
            console.Out.WriteLine($"plots: {ValidationPlots.Write(plots, result).Count} PNGs in {Path.GetFullPath(plots)}");
    }

    private static Dictionary<string, string> ParseMap(string text)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new FormatException($"--map expects model=data pairs separated by commas, got '{item}'");
            if (!map.TryAdd(parts[0], parts[1])) throw new FormatException($"--map pairs '{parts[0]}' twice");
        }
        return map.Count > 0 ? map : throw new FormatException("--map needs at least one model=data pair");
    }

    private static void CreatePlotDir(string dir)
    {
        if (File.Exists(dir)) throw new IOException($"--plots {dir}: is a file, not a folder");
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new IOException($"--plots {dir}: cannot create the folder ({e.Message})", e); }
    }
}
