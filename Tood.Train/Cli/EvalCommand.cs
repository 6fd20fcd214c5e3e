using System.CommandLine;
using System.Globalization;
using Tood.CommandLine;
using Tood.Realtime.Datasets;
using Tood.Realtime.Evaluation;
using Tood.Train.Data;
using Tood.Train.Model;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary><c>tood-train eval --checkpoint C --data ANN.json --images DIR [--out stats.json] [--results dets.json]</c>:
/// COCO bbox mAP of a checkpoint (decoding per spec §6), the 12 stats printed like pycocotools. --data may also be a
/// YOLO data.yaml or a VOC folder (with --split); the data's classes are matched to the checkpoint's by name and
/// annotations of other classes are left out (and counted).</summary>
public sealed class EvalCommand : ToolCommand
{
    private readonly Option<string> _checkpoint = CliOptions.RequiredText("--checkpoint", "C", "checkpoint (.ckpt) to evaluate");
    private readonly Option<string> _data = CliOptions.RequiredText("--data", "DATA", "dataset: COCO ANN.json (with --images), YOLO data.yaml or a VOC folder");
    private readonly Option<string?> _images = CliOptions.Text("--images", "DIR", "images folder of a COCO json");
    private readonly Option<string> _split = CliOptions.Value("--split", "NAME", "split of a YOLO/VOC dataset (data.yaml key, VOC ImageSets/Main/NAME.txt)", s => s, () => "val");
    private readonly Option<string?> _out = CliOptions.Text("--out", "stats.json", "also write the 12 stats as JSON");
    private readonly Option<string?> _results = CliOptions.Text("--results", "dets.json", "also write the detections (COCO results format)");
    private readonly Option<int> _imgsz = TrainCliOptions.ImageSize(0, "square input size (default 0: the checkpoint's training size)", allowZero: true);
    private readonly Option<int> _batch = CliOptions.Int("--batch", "N", "images per forward pass", 8, min: 1);
    private readonly Option<string> _device = TrainCliOptions.Device();
    private readonly Option<int> _workers = TrainCliOptions.Workers(Math.Max(1, Environment.ProcessorCount - 1));

    public EvalCommand() : base("eval", "COCO mAP of a checkpoint on a dataset")
    {
        foreach (var o in new Option[] { _checkpoint, _data, _images, _split, _out, _results, _imgsz, _batch, _device, _workers }) Options.Add(o);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var device = DeviceSelector.Resolve(parse.GetValue(_device));
        using var loaded = Checkpoint.Load(parse.GetRequiredValue(_checkpoint), device);
        var meta = loaded.Meta;
        int imgsz = parse.GetValue(_imgsz);
        if (imgsz == 0) imgsz = meta.InputWidth > 0 ? meta.InputWidth : 512;
        var data = DetectionData.Load(parse.GetRequiredValue(_data), parse.GetRequiredValue(_split), parse.GetValue(_images));
        int before = data.Coco.Annotations.Count;
        data = data.WithClasses(meta.ClassNames);
        // The checkpoint's class i is the data's category of the same name.
        var idOf = data.Coco.Categories.ToDictionary(c => c.Name, c => c.Id, StringComparer.Ordinal);
        var map = new CategoryMap([.. meta.ClassNames.Select(n => idOf[n])], meta.ClassNames);
        if (data.Coco.Annotations.Count < before)
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"eval: {before - data.Coco.Annotations.Count} annotations of classes the checkpoint does not have are left out"));
        var ds = CocoDetectionDataset.FromCoco(data.Coco, data.Source, data.ImageDir, map);
        var (stats, dets) = await Validator.EvaluateAsync(loaded.Model, ds, imgsz, device, parse.GetValue(_batch), parse.GetValue(_workers), ct: cancellationToken);
        console.Out.WriteLine(stats.Format());
        if (parse.GetValue(_out) is { } outPath) await File.WriteAllTextAsync(outPath, stats.ToJson(), cancellationToken);
        if (parse.GetValue(_results) is { } resultsPath) DetectionResultsFile.Save(resultsPath, dets);
        console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dets.Count} detections on {ds.Images.Count} images at {imgsz}px"));
        return ExitCodes.Ok;
    }
}
