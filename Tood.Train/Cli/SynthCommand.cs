using System.Globalization;
using Tood.Realtime.Cli;
using Tood.Train.Data.Synth;

namespace Tood.Train.Cli;

/// <summary><c>tood-train synth --out DIR --images N --size S --seed K [--height H] [--video FILE --frames F]</c></summary>
public static class SynthCommand
{
    public const string Usage = "tood-train synth --out DIR --images N [--size 256] [--height H] [--seed 0] [--video FILE.mp4 --frames F]";

    public static int Run(ArgParser a)
    {
        var outDir = a.Required("out");
        int n = a.Int("images", 100), size = a.Int("size", 256), seed = a.Int("seed", 0);
        int height = a.Int("height", size);
        var video = a.String("video");
        int frames = a.Int("frames", 100);
        a.ThrowOnUnknown();
        if (n < 0) throw new UsageException($"--images must be ≥ 0, got {n}");
        if (size < 32 || height < 32) throw new UsageException($"--size/--height must be ≥ 32, got {size}x{height}");
        if (video is not null && frames <= 0) throw new UsageException($"--frames must be positive, got {frames}");

        var gen = new SynthGenerator(seed, size, height);
        if (n > 0)
        {
            var coco = gen.WriteDataset(outDir, n);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {coco.Images.Count} images, {coco.Annotations.Count} boxes to {Path.Combine(outDir, "annotations.json")}"));
        }
        if (video is not null)
        {
            var gt = SynthVideo.Write(gen, video, frames);
            var gtPath = Path.ChangeExtension(video, ".json");
            gt.Save(gtPath);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {frames} frames to {video}, ground truth {gtPath} (image id = frame index + 1)"));
        }
        return 0;
    }
}
