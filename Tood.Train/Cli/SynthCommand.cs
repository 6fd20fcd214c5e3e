using System.Globalization;
using Tood.CommandLine;
using Tood.Train.Data.Synth;

namespace Tood.Train.Cli;

/// <summary><c>tood-train synth --out DIR --images N --size S --seed K [--height H] [--video FILE --frames F]</c>:
/// deterministic synthetic shapes dataset (DIR/images/*.png + DIR/annotations.json) and optional video
/// (FILE + FILE-with-.json ground truth, one COCO image entry per frame, id = frame index + 1).</summary>
public sealed class SynthCommand : ICommand
{
    public string Name => "synth";
    public string Usage => "synth --out DIR --images N [--size 256] [--height H] [--seed 0] [--video FILE.mp4 --frames F]   synthetic COCO shapes dataset";

    public Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var a = new ArgParser(args, new HashSet<string>());
        var outDir = a.String("out");
        int n = a.Int("images", 100), size = a.Int("size", 256), seed = a.Int("seed", 0);
        int height = a.Int("height", size);
        var video = a.String("video");
        int frames = a.Int("frames", 100);
        a.ThrowOnUnknown();
        if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument '{a.Positionals[0]}'");
        if (outDir is null && (video is null || a.Has("images"))) throw new UsageException("missing required option --out");
        if (n < 0) throw new UsageException($"--images must be ≥ 0, got {n}");
        if (size < 32 || height < 32) throw new UsageException($"--size/--height must be ≥ 32, got {size}x{height}");
        if (frames <= 0) throw new UsageException($"--frames must be positive, got {frames}");

        try
        {
            Generate(new SynthGenerator(seed, size, height), outDir, n, video, frames);
            return Task.FromResult(0);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"tood-train synth: {e.Message}");
            return Task.FromResult(1);
        }
    }

    private static void Generate(SynthGenerator gen, string? outDir, int n, string? video, int frames)
    {
        var inv = CultureInfo.InvariantCulture;
        if (outDir is not null && n > 0)
        {
            var coco = gen.WriteDataset(outDir, n);
            Console.Out.WriteLine(string.Create(inv, $"wrote {coco.Images.Count} images, {coco.Annotations.Count} boxes to {Path.Combine(outDir, "annotations.json")}"));
        }
        if (video is not null)
        {
            var gt = SynthVideo.Write(gen, video, frames);
            var gtPath = Path.ChangeExtension(video, ".json");
            gt.Save(gtPath);
            Console.Out.WriteLine(string.Create(inv, $"wrote {frames} frames to {video}, ground truth {gtPath} (image id = frame index + 1)"));
        }
    }
}
