using Tood.Realtime.Inference;
using Tood.Train.Data;
using Tood.Train.Data.Augment;
using Tood.Train.Data.Synth;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Tests.Training;

/// <summary>
/// Training batches built in memory through the real training transform (letterbox into a square canvas, no
/// augmentation, normalisation, box mapping): synthetic shapes images of the given source sizes, so images of
/// other aspect ratios leave padding below or right of their content. Image i depends only on (seed, i), so
/// any subset of a batch can be rebuilt bit-exactly as its own batch.
/// </summary>
internal static class SynthBatches
{
    public static Batch Make(int canvas, int seed, IReadOnlyList<(int Width, int Height)> sources, IReadOnlyList<int> indices)
    {
        int n = indices.Count, plane = 3 * canvas * canvas;
        var pixels = new float[n * plane];
        var boxes = new Tensor[n];
        var labels = new Tensor[n];
        var placements = new Placement[n];
        for (int k = 0; k < n; k++)
        {
            var (w, h) = sources[indices[k]];
            var (image, objects) = new SynthGenerator(seed, w, h).Render(indices[k]);
            var p = Placement.Plan(w, h, canvas, AugmentParams.None);
            using (image)
            using (var rendered = ImageTransform.RenderContent(image, p))
                ImageTransform.ToNormalizedChw(rendered, pixels.AsSpan(k * plane, plane), ModelContract.DefaultMean, ModelContract.DefaultStd,
                    canvas, canvas, ImageTransform.PadValue(keepRatio: false, ModelContract.DefaultMean, ModelContract.DefaultStd));
            var kept = objects.Where(o => !o.Crowd).ToList();
            var outBoxes = new List<float>();
            var outLabels = new List<int>();
            p.MapBoxes([.. kept.SelectMany(o => new[] { o.X1, o.Y1, o.X2, o.Y2 })], [.. kept.Select(o => (int)o.Kind)], outBoxes, outLabels);
            boxes[k] = tensor(outBoxes.ToArray(), [outLabels.Count, 4]);
            labels[k] = tensor(outLabels.Select(l => (long)l).ToArray(), [outLabels.Count]);
            placements[k] = p;
        }
        return new Batch(0, 0, tensor(pixels, [n, 3, canvas, canvas]), boxes, labels, [.. indices.Select(i => (long)i)], placements,
            [.. indices.Select(i => sources[i].Width)], [.. indices.Select(i => sources[i].Height)]);
    }
}
