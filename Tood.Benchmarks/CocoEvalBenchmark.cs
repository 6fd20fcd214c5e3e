using BenchmarkDotNet.Attributes;
using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;

namespace Tood.Benchmarks;

/// <summary>COCO bbox evaluation of 500 synthetic images × 100 detections (≈ 7 GT boxes per image, 10 categories).</summary>
[MemoryDiagnoser]
public class CocoEvalBenchmark
{
    private CocoFile _gt = new();
    private List<CocoAnnotation> _dets = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(5);
        _gt = new CocoFile { Categories = [.. Enumerable.Range(1, 10).Select(i => new CocoCategory { Id = i, Name = $"c{i}" })] };
        long ann = 1;
        for (int img = 1; img <= 500; img++)
        {
            _gt.Images.Add(new CocoImage { Id = img, FileName = $"{img}.jpg", Width = 640, Height = 480 });
            var gts = new List<CocoAnnotation>();
            for (int g = 0, n = 3 + rng.Next(9); g < n; g++)
            {
                double w = 10 + rng.NextDouble() * 200, h = 10 + rng.NextDouble() * 200;
                var a = new CocoAnnotation
                {
                    Id = ann++, ImageId = img, CategoryId = 1 + rng.Next(10),
                    Bbox = [rng.NextDouble() * (640 - w), rng.NextDouble() * (480 - h), w, h], Area = w * h,
                };
                gts.Add(a);
                _gt.Annotations.Add(a);
            }
            for (int d = 0; d < 100; d++)
            {
                // Half the detections jitter a GT box (matches at various IoUs), half are random false positives.
                double[] box;
                int cat;
                if (d % 2 == 0)
                {
                    var g = gts[rng.Next(gts.Count)];
                    box = [g.Bbox[0] + rng.NextDouble() * 16 - 8, g.Bbox[1] + rng.NextDouble() * 16 - 8, g.Bbox[2] * (0.8 + 0.4 * rng.NextDouble()), g.Bbox[3] * (0.8 + 0.4 * rng.NextDouble())];
                    cat = rng.NextDouble() < 0.8 ? g.CategoryId : 1 + rng.Next(10);
                }
                else
                {
                    double w = 10 + rng.NextDouble() * 200, h = 10 + rng.NextDouble() * 200;
                    box = [rng.NextDouble() * (640 - w), rng.NextDouble() * (480 - h), w, h];
                    cat = 1 + rng.Next(10);
                }
                _dets.Add(new CocoAnnotation { ImageId = img, CategoryId = cat, Bbox = box, Area = box[2] * box[3], Score = rng.NextDouble() });
            }
        }
    }

    [Benchmark]
    public double CocoEval_500_images_x_100_dets() => CocoEvaluator.Evaluate(_gt, _dets).AP;
}
