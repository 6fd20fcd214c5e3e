using Tood.CommandLine;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary><c>tood-train eval --checkpoint C --data ANN.json --images DIR [--out stats.json] [--results dets.json]</c>:
/// COCO bbox mAP of a checkpoint (<see cref="CheckpointEvaluator"/>: the checkpoint's test scale, mmdet decoding,
/// spec §6), the 12 stats printed like pycocotools.</summary>
public sealed class EvalCommand : ICommand
{
    public string Name => "eval";
    public string Usage => "eval --checkpoint C --data ANN.json --images DIR [--out stats.json] [--results dets.json] [--imgsz S] [--batch 8] [--device auto|cpu|cuda] [--workers N]   COCO mAP";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var a = new ArgParser(args, new HashSet<string>());
        int imgsz = a.Int("imgsz", 0);
        var o = new EvalOptions
        {
            Checkpoint = a.Required("checkpoint"),
            Annotations = a.Required("data"),
            Images = a.Required("images"),
            StatsPath = a.String("out"),
            ResultsPath = a.String("results"),
            ImageSize = imgsz == 0 ? null : imgsz, // square only in this parser; WxH through the library (EvalOptions)
            BatchSize = a.Int("batch", 8),
            Workers = a.Int("workers", Math.Max(1, Environment.ProcessorCount - 1)),
            Device = a.String("device", "auto")!,
        };
        a.ThrowOnUnknown();
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        try
        {
            var r = await CheckpointEvaluator.RunAsync(o, cancellationToken);
            Console.Out.WriteLine(r.Stats.Format());
            Console.Error.WriteLine(CheckpointEvaluator.Summary(r));
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"tood-train eval: {e.Message}");
            return 1;
        }
    }
}
