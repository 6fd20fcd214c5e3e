using System.CommandLine;
using Tood.CommandLine;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary><c>tood-train eval --checkpoint C --data ANN.json --images DIR [--out stats.json] [--results dets.json]</c>:
/// COCO bbox mAP of a checkpoint (<see cref="CheckpointEvaluator"/>: the checkpoint's test scale, MMDetection's
/// decoding, spec §6), the 12 stats printed like pycocotools. --data may also be a YOLO data.yaml or a VOC folder
/// (with --split); the data's classes are matched to the checkpoint's by name and annotations of other classes are
/// left out (and counted).</summary>
public sealed class EvalCommand : ToolCommand
{
    private readonly Option<string> _checkpoint = CliOptions.RequiredText("--checkpoint", "C", "checkpoint (.ckpt) to evaluate");
    private readonly Option<string> _data = CliOptions.RequiredText("--data", "DATA", "dataset: COCO ANN.json (with --images), YOLO data.yaml or a VOC folder");
    private readonly Option<string?> _images = CliOptions.Text("--images", "DIR", "images folder of a COCO json");
    private readonly Option<string> _split = CliOptions.Value("--split", "NAME", "split of a YOLO/VOC dataset (data.yaml key, VOC ImageSets/Main/NAME.txt)", s => s, () => "val");
    private readonly Option<string?> _out = CliOptions.Text("--out", "stats.json", "also write the 12 stats as JSON");
    private readonly Option<string?> _results = CliOptions.Text("--results", "dets.json", "also write the detections (COCO results format)");
    private readonly Option<Data.ImageSizeSpec?> _imgsz = TrainCliOptions.ImageSizeSpec(
        "test scale: S = square letterbox, WxH = keep-ratio like mmdet (1333x800, each image padded to 32); default: the checkpoint's (imported mmdet: 1333x800)");
    private readonly Option<int> _batch = CliOptions.Int("--batch", "N", "images per forward pass (keep-ratio: only images of one padded shape share one)", 8, min: 1);
    private readonly Option<string> _device = TrainCliOptions.Device();
    private readonly Option<int> _workers = TrainCliOptions.Workers(Math.Max(1, Environment.ProcessorCount - 1));

    public EvalCommand() : base("eval", "COCO mAP of a checkpoint on a dataset")
    {
        foreach (var o in new Option[] { _checkpoint, _data, _images, _split, _out, _results, _imgsz, _batch, _device, _workers }) Options.Add(o);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var r = await CheckpointEvaluator.RunAsync(new EvalOptions
        {
            Checkpoint = parse.GetRequiredValue(_checkpoint),
            Data = parse.GetRequiredValue(_data),
            Images = parse.GetValue(_images),
            Split = parse.GetRequiredValue(_split),
            StatsPath = parse.GetValue(_out),
            ResultsPath = parse.GetValue(_results),
            ImageSize = parse.GetValue(_imgsz),
            BatchSize = parse.GetValue(_batch),
            Device = parse.GetRequiredValue(_device),
            Workers = parse.GetValue(_workers),
        }, cancellationToken);
        console.Out.WriteLine(r.Stats.Format());
        console.Error.WriteLine(CheckpointEvaluator.Summary(r));
        return ExitCodes.Ok;
    }
}
