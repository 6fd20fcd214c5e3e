using System.Diagnostics;
using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Realtime.Evaluation;

/// <summary>
/// Reports the time to evaluate a COCO-sized workload (printed, not asserted: speed targets belong in
/// benchmarks). Asserts that the parallel evaluation is deterministic run to run.
/// </summary>
public class CocoEvaluatorTimingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(500, 100)]
    public void Evaluate_coco_like_workload_deterministically(int numImages, int detsPerImage)
    {
        var (gt, dets) = CocoLikeScene(numImages, detsPerImage, seed: 7);
        var first = new CocoEvaluator(gt).EvaluateDetailed(dets).Stats.ToArray(); // warm-up (JIT)
        foreach (int threads in new[] { -1, 1 })
        {
            var wall = new List<double>();
            for (int run = 0; run < 10; run++)
            {
                var sw = Stopwatch.StartNew();
                var stats = new CocoEvaluator(gt, threads).EvaluateDetailed(dets).Stats.ToArray(); // GT indexing included
                sw.Stop();
                wall.Add(sw.Elapsed.TotalMilliseconds);
                Assert.Equal(first, stats); // bitwise identical every run, any thread count
            }
            wall.Sort();
            output.WriteLine($"COCO eval {numImages} images x {detsPerImage} dets ({dets.Count} dets, {gt.Annotations.Count} gts, 80 cats), " +
                             $"threads={(threads < 0 ? Environment.ProcessorCount : 1)}: min {wall[0]:F1} ms, median {wall[5]:F1} ms over 10 runs; AP = {first[0]:F4}");
        }
        Assert.InRange(first[0], 0.05, 0.95);
    }

    internal static (CocoFile Gt, List<CocoAnnotation> Dets) CocoLikeScene(int numImages, int detsPerImage, int seed)
    {
        var rng = new Random(seed);
        var gt = new CocoFile();
        for (int c = 1; c <= 80; c++) gt.Categories.Add(new CocoCategory { Id = c, Name = $"c{c}" });
        var dets = new List<CocoAnnotation>(numImages * detsPerImage);
        long annId = 1;
        for (int img = 1; img <= numImages; img++)
        {
            gt.Images.Add(new CocoImage { Id = img, FileName = $"{img}.jpg", Width = 640, Height = 480 });
            int ng = 1 + rng.Next(14); // COCO averages ~7 objects per image
            int nd = 0;
            for (int j = 0; j < ng; j++)
            {
                int cat = 1 + rng.Next(80);
                double size = 4 * Math.Exp(rng.NextDouble() * Math.Log(100));
                double w = size * (0.5 + rng.NextDouble()), h = size * (0.5 + rng.NextDouble());
                double x = rng.NextDouble() * 600, y = rng.NextDouble() * 440;
                gt.Annotations.Add(new CocoAnnotation
                {
                    Id = annId++, ImageId = img, CategoryId = cat, Bbox = [x, y, w, h], Area = w * h * 0.8,
                    IsCrowd = rng.NextDouble() < 0.01 ? 1 : 0,
                });
                for (int k = 0; k < 3 && nd < detsPerImage; k++, nd++)
                    dets.Add(new CocoAnnotation
                    {
                        ImageId = img, CategoryId = k == 2 ? 1 + rng.Next(80) : cat,
                        Bbox = [x + (rng.NextDouble() - 0.5) * 0.3 * w, y + (rng.NextDouble() - 0.5) * 0.3 * h, w * (0.8 + 0.4 * rng.NextDouble()), h * (0.8 + 0.4 * rng.NextDouble())],
                        Score = 0.3 + 0.7 * rng.NextDouble(),
                    });
            }
            for (; nd < detsPerImage; nd++)
                dets.Add(new CocoAnnotation
                {
                    ImageId = img, CategoryId = 1 + rng.Next(80),
                    Bbox = [rng.NextDouble() * 600, rng.NextDouble() * 440, 2 + rng.NextDouble() * 200, 2 + rng.NextDouble() * 200],
                    Score = 0.4 * rng.NextDouble(),
                });
        }
        return (gt, dets);
    }
}
