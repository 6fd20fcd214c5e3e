using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;
using Xunit;

namespace Tood.Tests.Realtime.Postprocess;

public class DetectionDecoderTests
{
    private static readonly string[] Names = ["cat", "dog"];
    private static readonly Letterbox Identity = Letterbox.Compute(100, 100, 100, 100);

    private static List<Detection> Decode(float[] boxes, float[] scores, DecodeOptions o, Letterbox? lb = null, int src = 100, int[]? levels = null, int srcH = -1)
    {
        var list = new List<Detection>();
        new DetectionDecoder().Decode(boxes, scores, 2, levels ?? [], o, lb ?? Identity, src, srcH < 0 ? src : srcH, Names, list);
        return list;
    }

    // 4 anchors × 2 classes
    private static readonly float[] Boxes = [10, 10, 50, 50, /*a1*/ 12, 12, 52, 52, /*a2*/ 60, 60, 90, 90, /*a3*/ 11, 11, 51, 51];
    private static readonly float[] Scores = [0.9f, 0.1f, /*a1*/ 0.3f, 0.8f, /*a2*/ 0.2f, 0.2f, /*a3*/ 0.85f, 0f];

    [Fact]
    public void Thresholds_pairs_then_class_aware_nms()
    {
        var d = Decode(Boxes, Scores, new DecodeOptions());
        // a0/cat 0.9 keeps; a3/cat 0.85 and a1/cat 0.3 overlap it (IoU > 0.8) → suppressed; a1/dog 0.8 is another class; a2 is below 0.25.
        Assert.Equal(2, d.Count);
        Assert.Equal(new Detection(10, 10, 50, 50, 0.9f, 0, "cat"), d[0]);
        Assert.Equal(new Detection(12, 12, 52, 52, 0.8f, 1, "dog"), d[1]);
    }

    [Fact]
    public void Low_threshold_admits_more_pairs_and_max_det_caps_them()
    {
        var all = Decode(Boxes, Scores, new DecodeOptions { ScoreThreshold = 0.05f });
        Assert.Equal([0.9f, 0.8f, 0.2f, 0.2f], all.Select(x => x.Score));
        Assert.Equal([0, 1, 0, 1], all.Select(x => x.ClassId)); // a2 cat and dog: equal scores, lower pair index first
        var capped = Decode(Boxes, Scores, new DecodeOptions { ScoreThreshold = 0.05f, MaxDetections = 3 });
        Assert.Equal(3, capped.Count);
    }

    [Fact]
    public void Pre_nms_top_k_keeps_best_pairs_per_level()
    {
        // Non-overlapping boxes so NMS removes nothing; top-2 over all pairs > 0.
        float[] boxes = [0, 0, 5, 5, 10, 10, 15, 15, 20, 20, 25, 25, 30, 30, 35, 35];
        float[] scores = [0.3f, 0.0f, 0.0f, 0.6f, 0.5f, 0.0f, 0.0f, 0.4f];
        var top2 = Decode(boxes, scores, new DecodeOptions { ScoreThreshold = 0.01f, PreNmsTopK = 2 });
        Assert.Equal([0.6f, 0.5f], top2.Select(x => x.Score));
        // Two levels of two anchors: top-1 per level → best of level 0 (0.6) and of level 1 (0.5).
        var perLevel = Decode(boxes, scores, new DecodeOptions { ScoreThreshold = 0.01f, PreNmsTopK = 1 }, levels: [2, 2]);
        Assert.Equal([0.6f, 0.5f], perLevel.Select(x => x.Score));
        var perLevelB = Decode(boxes, scores, new DecodeOptions { ScoreThreshold = 0.01f, PreNmsTopK = 1 }, levels: [1, 3]);
        Assert.Equal([0.6f, 0.3f], perLevelB.Select(x => x.Score));
    }

    [Fact]
    public void Class_filter_reports_only_selected_classes()
    {
        var d = Decode(Boxes, Scores, new DecodeOptions { Classes = new HashSet<int> { 1 } });
        Assert.Single(d);
        Assert.Equal("dog", d[0].ClassName);
    }

    [Fact]
    public void Undoes_letterbox_and_clips_to_resized_image_and_drops_boxes_in_padding()
    {
        // Source 200×100 → target 100×100: scale 0.5, image occupies 100×50, rows 50..99 are padding.
        var lb = Letterbox.Compute(200, 100, 100, 100);
        float[] boxes = [90, 40, 120, 60, /*in padding*/ 10, 60, 40, 90];
        float[] scores = [0.9f, 0f, 0.95f, 0f];
        var d = Decode(boxes, scores, new DecodeOptions(), lb, src: 200, srcH: 100);
        // box clipped to (90,40,100,50) in input pixels → ×2 in source pixels
        Assert.Equal(new Detection(180, 80, 200, 100, 0.9f, 0, "cat"), Assert.Single(d));
    }

    [Fact]
    public void Threshold_is_strict_and_nan_scores_are_ignored()
    {
        float[] boxes = [0, 0, 5, 5, 10, 10, 15, 15];
        float[] scores = [0.25f, float.NaN, 0.2500001f, 0f];
        var d = Decode(boxes, scores, new DecodeOptions());
        Assert.Equal([0.2500001f], d.Select(x => x.Score));
    }

    [Fact]
    public void Level_sizes_follow_ceil_of_input_over_stride()
    {
        Assert.Equal([6400, 1600, 400, 100, 25], DetectionDecoder.LevelSizes(640, 640, [8, 16, 32, 64, 128]));
        Assert.Equal([80 * 100, 40 * 50, 20 * 25, 10 * 13, 5 * 7], DetectionDecoder.LevelSizes(800, 640, [8, 16, 32, 64, 128]));
    }

    [Fact]
    public void Simd_row_scan_finds_scores_in_vector_and_tail_lanes()
    {
        const int k = 19; // ≥ one full vector plus a tail
        var names = Enumerable.Range(0, k).Select(i => $"c{i}").ToArray();
        float[] boxes = [0, 0, 5, 5, 10, 10, 15, 15, 20, 20, 25, 25];
        var scores = new float[3 * k];
        scores[0 * k + 5] = 0.7f;   // inside the first vector
        scores[1 * k + 18] = 0.6f;  // in the scalar tail
        // anchor 2: nothing above threshold
        var list = new List<Detection>();
        new DetectionDecoder().Decode(boxes, scores, k, [], new DecodeOptions(), Letterbox.Compute(100, 100, 100, 100), 100, 100, names, list);
        Assert.Equal([(5, 0.7f), (18, 0.6f)], list.Select(d => (d.ClassId, d.Score)));
    }
}
