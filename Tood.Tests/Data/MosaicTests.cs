using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Train.Data.Augment;
using Xunit;

namespace Tood.Tests.Data;

public class MosaicTests
{
    /// <summary>Returns the given draws in order, so a mosaic's geometry can be computed by hand.</summary>
    private sealed class Draws(params double[] values) : Random
    {
        private int _next;
        public override double NextDouble() => values[_next++];
    }

    private static Mosaic.Tile Solid(byte b, byte g, byte r, float[] boxes, int label) =>
        new(new Mat(100, 100, MatType.CV_8UC3, new Scalar(b, g, r)), boxes, [.. Enumerable.Repeat(label, boxes.Length / 4)]);

    [Fact]
    public void Four_tiles_meet_at_the_centre_and_their_boxes_are_scaled_flipped_shifted_and_clipped()
    {
        Mosaic.Tile[] tiles =
        [
            Solid(255, 0, 0, [10, 10, 90, 90, 0, 0, 5, 5, 10, 0, 90, 60], 0),
            Solid(0, 255, 0, [60, 80, 80, 95], 1),
            Solid(0, 0, 255, [0, 0, 100, 100], 2),
            Solid(255, 255, 255, [90, 90, 100, 100], 3),
        ];
        // Centre (100, 50); per tile (scale draw, flip draw): scales 200/100·(0.5 + 0.5u) = 1, 2, 1.5, 1; tile 1 mirrored.
        var rng = new Draws(0.5, 0.0, 0.0, 0.9, 1.0, 0.1, 0.5, 0.9, 0.0, 0.9);
        var boxes = new List<float>();
        var labels = new List<int>();
        using var canvas = Mosaic.Compose(tiles, 200, rng, 0.5, boxes, labels);
        try
        {
            Assert.Equal((200, 200), (canvas.Cols, canvas.Rows));
            // Tile 0 at (0,−50)..(100,50): [10,10,90,90] → [10,−40,90,40] clipped to y ≥ 0 (half visible: kept);
            // [0,0,5,5] → above the canvas (dropped); [10,0,90,60] → [10,−50,90,10], 1/6 visible (< 1/4: dropped).
            // Tile 1 at (100,−150), 200 px, mirrored: [60,80,80,95]·2 = [120,160,160,190] → x 200−160, 200−120 → + offset.
            // Tile 2 at (−50,50), 150 px: the whole-image box [−50,50,100,200] clipped to its quadrant x ≥ 0.
            // Tile 3 at (100,50), 100 px, not clipped.
            Assert.Equal(new float[] { 10, 0, 90, 40, 140, 10, 180, 40, 0, 50, 100, 200, 190, 140, 200, 150 }, boxes);
            Assert.Equal([0, 1, 2, 3], labels);
            Assert.Equal(new Vec3b(255, 0, 0), canvas.At<Vec3b>(25, 50));
            Assert.Equal(new Vec3b(0, 255, 0), canvas.At<Vec3b>(25, 150));
            Assert.Equal(new Vec3b(0, 0, 255), canvas.At<Vec3b>(100, 50));
            Assert.Equal(new Vec3b(255, 255, 255), canvas.At<Vec3b>(100, 150));
            // Below tile 3 (y 150..200 of the bottom-right quadrant): the letterbox padding colour.
            Assert.Equal(new Vec3b(Letterbox.PadBgr.B, Letterbox.PadBgr.G, Letterbox.PadBgr.R), canvas.At<Vec3b>(175, 150));
        }
        finally
        {
            foreach (var t in tiles) t.Image.Dispose();
        }
    }
}
