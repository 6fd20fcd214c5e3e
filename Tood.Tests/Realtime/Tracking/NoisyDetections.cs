using Tood.Realtime.Mot;
using Tood.Realtime.Postprocess;

namespace Tood.Tests.Realtime.Tracking;

/// <summary>
/// A stand-in detector made from ground truth, to score the tracker alone: every ground-truth box becomes a
/// detection with its corners jittered (Gaussian, σ = <see cref="Jitter"/> × box size), scored high when well
/// visible and low when mostly hidden (as a real detector behaves under occlusion), dropped with probability
/// <see cref="DropRate"/> (plus <see cref="HiddenDropRate"/> when under 30 % visible), plus random false
/// positives. Deterministic for a seed.
/// </summary>
internal sealed record NoisyDetections(double Jitter = 0.03, double DropRate = 0.05, double HiddenDropRate = 0.5,
    double FalsePositivesPerFrame = 0.3, int Seed = 0)
{
    public const double LowScoreBelowVisibility = 0.6;

    /// <summary>Detections per frame (index 0 = frame 1) for a <paramref name="width"/>×<paramref name="height"/> video.</summary>
    public List<Detection>[] Make(IReadOnlyList<MotRecord> groundTruth, int frames, int width, int height)
    {
        var rng = new Random(Seed);
        var perFrame = new List<Detection>[frames];
        for (int f = 0; f < frames; f++) perFrame[f] = [];
        foreach (var g in groundTruth.OrderBy(r => r.Frame).ThenBy(r => r.Id))
        {
            double visibility = g.Visibility < 0 ? 1 : g.Visibility;
            double drop = DropRate + (visibility < 0.3 ? HiddenDropRate : 0);
            if (rng.NextDouble() < drop) continue;
            float score = visibility < LowScoreBelowVisibility
                ? (float)(0.15 + 0.35 * rng.NextDouble())
                : (float)(0.6 + 0.35 * rng.NextDouble());
            float x1 = g.Left + (float)(Gauss(rng) * Jitter * g.Width), y1 = g.Top + (float)(Gauss(rng) * Jitter * g.Height);
            float x2 = g.Right + (float)(Gauss(rng) * Jitter * g.Width), y2 = g.Bottom + (float)(Gauss(rng) * Jitter * g.Height);
            if (x2 <= x1 || y2 <= y1) continue;
            perFrame[g.Frame - 1].Add(new Detection(x1, y1, x2, y2, score, Math.Max(0, g.ClassId - 1), "shape"));
        }
        for (int f = 0; f < frames; f++)
        {
            // Poisson-distributed count of false positives, random size and a mostly low score.
            for (double t = -Math.Log(1 - rng.NextDouble()); t < FalsePositivesPerFrame; t -= Math.Log(1 - rng.NextDouble()))
            {
                float w = (float)(width * (0.05 + 0.2 * rng.NextDouble())), h = (float)(height * (0.05 + 0.2 * rng.NextDouble()));
                float x = (float)(rng.NextDouble() * (width - w)), y = (float)(rng.NextDouble() * (height - h));
                perFrame[f].Add(new Detection(x, y, x + w, y + h, (float)(0.1 + 0.6 * rng.NextDouble()), rng.Next(6), "shape"));
            }
            perFrame[f].Sort((a, b) => b.Score.CompareTo(a.Score));   // detector order: best first
        }
        return perFrame;
    }

    private static double Gauss(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
