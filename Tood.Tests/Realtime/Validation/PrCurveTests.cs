using OpenCvSharp;
using Tood.Realtime.Coco;
using Tood.Realtime.Evaluation;
using Tood.Realtime.Rendering;
using Tood.Realtime.Validation;
using Xunit;

namespace Tood.Tests.Realtime.Validation;

/// <summary>PR curves from the evaluator's precision array, and where the plot draws them.</summary>
public class PrCurveTests
{
    // One class, two boxes; detections by score: TP (0.9), FP (0.8), TP (0.7). Cumulative precision at the TPs:
    // 1/1 at recall 0.5, 2/3 at recall 1. Interpolated: 1 for r ≤ 0.5, 2/3 for 0.5 < r ≤ 1.
    private static CocoEvaluation Scene()
    {
        var gt = new CocoFile
        {
            Images = [new CocoImage { Id = 1, Width = 100, Height = 100 }],
            Categories = [new CocoCategory { Id = 7, Name = "cup" }, new CocoCategory { Id = 9, Name = "empty" }],
            Annotations =
            [
                new CocoAnnotation { Id = 1, ImageId = 1, CategoryId = 7, Bbox = [0, 0, 40, 40], Area = 1600 },
                new CocoAnnotation { Id = 2, ImageId = 1, CategoryId = 7, Bbox = [50, 50, 40, 40], Area = 1600 },
            ],
        };
        var dets = new List<CocoAnnotation>
        {
            new() { ImageId = 1, CategoryId = 7, Bbox = [0, 0, 40, 40], Score = 0.9 },
            new() { ImageId = 1, CategoryId = 7, Bbox = [0, 50, 40, 40], Score = 0.8 },
            new() { ImageId = 1, CategoryId = 7, Bbox = [50, 50, 40, 40], Score = 0.7 },
        };
        return new CocoEvaluator(gt).EvaluateDetailed(dets);
    }

    [Fact]
    public void Curve_is_the_interpolated_precision_at_iou_50_and_averages_to_AP50()
    {
        var eval = Scene();
        var curve = Assert.Single(PrCurve.AtIou50(eval)); // "empty" has no ground truth: no curve
        Assert.Equal((7, "cup", 2), (curve.CategoryId, curve.Name, curve.NumGt));
        Assert.Equal(101, curve.Precision.Count);
        for (int r = 0; r <= 50; r++) Assert.Equal(1.0, curve.Precision[r], 12);
        for (int r = 51; r <= 100; r++) Assert.Equal(2.0 / 3, curve.Precision[r], 12);
        Assert.Equal((51 + 50 * 2.0 / 3) / 101, curve.AP50, 12);
        Assert.Equal(eval.Stats.AP50, curve.Precision.Average(), 12);
        Assert.Equal(curve.Precision, PrCurve.Mean([curve]));
    }

    [Fact]
    public void Plot_draws_each_curve_where_ToPixel_puts_it()
    {
        var red = new Scalar(0, 0, 255);
        // Precision 0.7 up to recall 0.5, then 0.3 (off the 0.2 grid lines).
        var p = Enumerable.Range(0, 101).Select(r => r <= 50 ? 0.7 : 0.3).ToArray();
        using var img = PrCurvePlot.Render("test", [new PlotCurve("a", p, red, 3)]);
        Assert.Equal((PrCurvePlot.Width, PrCurvePlot.Height), (img.Width, img.Height));
        static Vec3b At(Mat m, Point q) => m.At<Vec3b>(q.Y, q.X);
        Assert.Equal(new Vec3b(0, 0, 255), At(img, PrCurvePlot.ToPixel(0.25, 0.7)));
        Assert.Equal(new Vec3b(0, 0, 255), At(img, PrCurvePlot.ToPixel(0.75, 0.3)));
        Assert.Equal(new Vec3b(255, 255, 255), At(img, PrCurvePlot.ToPixel(0.75, 0.7)));
        Assert.Equal(new Vec3b(255, 255, 255), At(img, PrCurvePlot.ToPixel(0.25, 0.3)));
        // Axis mapping: recall 0 → left edge of the plot area, precision 1 → its top; x grows with recall, y falls with precision.
        Assert.True(PrCurvePlot.ToPixel(1, 0).X > PrCurvePlot.ToPixel(0, 0).X && PrCurvePlot.ToPixel(0, 1).Y < PrCurvePlot.ToPixel(0, 0).Y);
    }

    [Theory]
    [InlineData("person", "person")]
    [InlineData("traffic light", "traffic_light")]
    [InlineData("  Hot-Dog! ", "hot_dog")]
    [InlineData("??", "class")]
    public void Plot_file_names_are_safe(string name, string expected) => Assert.Equal(expected, ValidationPlots.FileSafe(name));
}
