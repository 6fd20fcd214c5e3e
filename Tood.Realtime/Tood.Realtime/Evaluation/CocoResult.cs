using Tood.Realtime.Coco;
using Tood.Realtime.Postprocess;

namespace Tood.Realtime.Evaluation;

/// <summary>
/// A detection as a COCO result entry, the one conversion of the training validator, <c>tood-train eval</c> and
/// <c>tood-live val</c> (so their AP agree to the digit): [x, y, w, h] with w = x2 − x1 (no +1, spec §6), box
/// rounded to 0.01 px and score to 1e-5 as results files are usually written; area = w·h of the unrounded box.
/// </summary>
public static class CocoResult
{
    public static CocoAnnotation From(Detection d, long imageId, int categoryId, long id) => new()
    {
        Id = id,
        ImageId = imageId,
        CategoryId = categoryId,
        Bbox = [Math.Round(d.X1, 2), Math.Round(d.Y1, 2), Math.Round(d.X2 - d.X1, 2), Math.Round(d.Y2 - d.Y1, 2)],
        Area = (d.X2 - d.X1) * (d.Y2 - d.Y1),
        Score = Math.Round(d.Score, 5),
    };
}
