using System.Globalization;
using Tood.CommandLine;
using Tood.Realtime.Datasets;
using Tood.Realtime.Evaluation;
using Tood.Train.Data;
using Tood.Train.Model;
using Tood.Train.Training;

namespace Tood.Train.Cli;

/// <summary><c>tood-train eval --checkpoint C --data ANN.json --images DIR | --data data.yaml|VOCDIR [--split val] [--out stats.json] [--results dets.json]</c>:
/// COCO bbox mAP of a checkpoint (decoding per spec §6), the 12 stats printed like pycocotools. The data's
/// classes are matched to the checkpoint's by name; annotations of other classes are left out (and counted).</summary>
public sealed class EvalCommand : ICommand
{
    public string Name => "eval";
    public string Usage => "eval --checkpoint C --data ANN.json|data.yaml|VOCDIR [--images DIR] [--split val] [--out stats.json] [--results dets.json] [--imgsz S] [--batch 8] [--device auto|cpu|cuda] [--workers N]   COCO mAP";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var a = new ArgParser(args, new HashSet<string>());
        var ckpt = a.Required("checkpoint");
        var ann = a.Required("data");
        var images = a.String("images");
        var split = a.String("split", "val")!;
        var outPath = a.String("out");
        var resultsPath = a.String("results");
        int imgsz = a.Int("imgsz", 0), batch = a.Int("batch", 8), workers = a.Int("workers", Math.Max(1, Environment.ProcessorCount - 1));
        var deviceName = a.String("device", "auto");
        a.ThrowOnUnknown();
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        if (batch < 1) throw new UsageException($"--batch must be ≥ 1, got {batch}");
        if (imgsz != 0 && (imgsz < 32 || imgsz % 32 != 0)) throw new UsageException($"--imgsz must be a positive multiple of 32, got {imgsz}");
        var device = DeviceSelector.Resolve(deviceName);

        using var loaded = Checkpoint.Load(ckpt, device);
        var meta = loaded.Meta;
        if (imgsz == 0) imgsz = meta.InputWidth > 0 ? meta.InputWidth : 512;
        try
        {
            var data = DetectionData.Load(ann, split, images);
            int before = data.Coco.Annotations.Count;
            data = data.WithClasses(meta.ClassNames);
            // The checkpoint's class i is the data's category of the same name.
            var idOf = data.Coco.Categories.ToDictionary(c => c.Name, c => c.Id, StringComparer.Ordinal);
            var map = new CategoryMap([.. meta.ClassNames.Select(n => idOf[n])], meta.ClassNames);
            if (data.Coco.Annotations.Count < before)
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"eval: {before - data.Coco.Annotations.Count} annotations of classes the checkpoint does not have are left out"));
            var ds = CocoDetectionDataset.FromCoco(data.Coco, data.Source, data.ImageDir, map);
            var (stats, dets) = await Validator.EvaluateAsync(loaded.Model, ds, imgsz, device, batch, workers, ct: cancellationToken);
            Console.Out.WriteLine(stats.Format());
            if (outPath is not null) await File.WriteAllTextAsync(outPath, stats.ToJson(), cancellationToken);
            if (resultsPath is not null) DetectionResultsFile.Save(resultsPath, dets);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dets.Count} detections on {ds.Images.Count} images at {imgsz}px"));
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"tood-train eval: {e.Message}");
            return 1;
        }
    }
}
