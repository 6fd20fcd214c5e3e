using Tood.Realtime.Coco;
using Tood.Realtime.Validation;
using Xunit;

namespace Tood.Tests.Realtime.Validation;

/// <summary>The confusion summary on hand-built scenes whose counts are worked out in the comments.</summary>
public class ConfusionSummaryTests
{
    private static CocoAnnotation Box(long image, int cat, double x, double y, double w, double h, double? score = null, bool crowd = false) =>
        new() { ImageId = image, CategoryId = cat, Bbox = [x, y, w, h], Area = w * h, Score = score, IsCrowd = crowd ? 1 : 0 };

    private static CocoFile Truth(params CocoAnnotation[] boxes) => new()
    {
        Images = [new CocoImage { Id = 1, Width = 200, Height = 200 }, new CocoImage { Id = 2, Width = 200, Height = 200 }],
        Categories = [new CocoCategory { Id = 1, Name = "cat" }, new CocoCategory { Id = 2, Name = "dog" }],
        Annotations = [.. boxes],
    };

    [Fact]
    public void Correct_wrong_class_background_and_missed_are_counted_per_class()
    {
        var gt = Truth(
            Box(1, 1, 0, 0, 10, 10),     // A cat: found as cat (d1)
            Box(1, 2, 50, 50, 10, 10),   // B dog: found as cat (d2) → cat→dog
            Box(1, 1, 100, 100, 10, 10), // C cat: only d5 below the threshold → missed
            Box(2, 2, 0, 0, 20, 20));    // D dog (image 2): d6 dog (IoU 0.81 ≥ 0.5) → correct
        var dets = new[]
        {
            Box(1, 1, 1, 0, 10, 10, 0.9),    // d1 on A, IoU 90/110 = 0.818
            Box(1, 1, 51, 51, 10, 10, 0.8),  // d2 cat on B (IoU 81/119 = 0.68)
            Box(1, 2, 150, 150, 10, 10, 0.7),// d3 dog on nothing → background
            Box(1, 1, 0, 1, 10, 10, 0.6),    // d4 cat on A again: a duplicate → background
            Box(1, 1, 100, 100, 10, 10, 0.2),// d5 below 0.25: not counted
            Box(2, 2, 2, 2, 18, 18, 0.5),    // d6 dog on D (IoU 324/400 = 0.81)
        };
        var s = ConfusionSummary.Compute(gt, dets, scoreThreshold: 0.25, iouThreshold: 0.5);
        Assert.Equal([new ConfusionPair(1, "cat", 2, "dog", 1)], s.Pairs);
        Assert.Equal(new ConfusionClass(1, "cat", Gt: 2, Correct: 1, Mislabelled: 0, Missed: 1, OnOtherClass: 1, Background: 1), s.Classes[0]);
        Assert.Equal(new ConfusionClass(2, "dog", Gt: 2, Correct: 1, Mislabelled: 1, Missed: 0, OnOtherClass: 0, Background: 1), s.Classes[1]);
        Assert.Equal((2, 1, 2, 1), (s.Correct, s.WrongClass, s.Background, s.Missed));
    }

    [Fact]
    public void A_box_of_the_own_class_wins_over_a_better_overlapping_box_of_another_class_and_crowds_are_ignored()
    {
        var gt = Truth(
            Box(1, 2, 0, 0, 10, 10),                 // dog, IoU 1 with d1
            Box(1, 1, 0, 0, 10, 12),                 // cat, IoU 100/120 = 0.83 with d1
            Box(2, 1, 0, 0, 100, 100, crowd: true)); // a crowd of cats on image 2
        var dets = new[]
        {
            Box(1, 1, 0, 0, 10, 10, 0.9), // cat: pass 1 takes the cat box although the dog box overlaps more
            Box(1, 1, 0, 0, 10, 10, 0.8), // second cat: pass 2 takes the dog box → cat→dog
            Box(2, 1, 10, 10, 20, 20, 0.7), // inside the cat crowd: ignored, not background
            Box(2, 2, 10, 10, 20, 20, 0.6), // a dog inside the cat crowd: background
        };
        var s = ConfusionSummary.Compute(gt, dets);
        Assert.Equal([new ConfusionPair(1, "cat", 2, "dog", 1)], s.Pairs);
        Assert.Equal(new ConfusionClass(1, "cat", 1, 1, 0, 0, 1, 0), s.Classes[0]);
        Assert.Equal(new ConfusionClass(2, "dog", 1, 0, 1, 0, 0, 1), s.Classes[1]);
    }

    [Fact]
    public void Below_the_iou_threshold_nothing_matches()
    {
        var gt = Truth(Box(1, 1, 0, 0, 10, 10));
        // IoU = 50/150 = 0.333 < 0.5
        var s = ConfusionSummary.Compute(gt, [Box(1, 2, 5, 0, 10, 10, 0.9)]);
        Assert.Empty(s.Pairs);
        Assert.Equal((0, 1, 1), (s.Correct, s.Background, s.Missed));
        Assert.Equal(1, ConfusionSummary.Compute(gt, [Box(1, 2, 5, 0, 10, 10, 0.9)], iouThreshold: 0.3).WrongClass);
    }
}
