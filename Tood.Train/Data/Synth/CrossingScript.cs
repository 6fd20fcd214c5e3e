using OpenCvSharp;

namespace Tood.Train.Data.Synth;

/// <summary>
/// <see cref="SynthScene.Crossing"/>: actors on paths p(t) = P + V·(t − T) + ½·A·(t − T)² (A ⊥ V: gently curved),
/// each drawn during the one unbroken run of frames around T in which its circle overlaps the frame, so it
/// enters and leaves once and its ID never comes back. Per 30 frames one
/// crossing pair (two actors at the same point P at the same frame T, directions 45–135° apart, sizes and
/// speeds independent: the one drawn below disappears behind the other) and per 40 frames one single actor at
/// a random point and time; per 150 frames one loiterer, almost still and drawn below everything. Diameters
/// 12–30 % of the short side, speeds 0.6–2 % of it per frame.
/// </summary>
internal sealed class CrossingScript : ISceneScript
{
    private sealed record Actor(int Id, ShapeKind Kind, double Radius, Scalar Color, double Rotation, double Spin,
        double Px, double Py, int T, double Vx, double Vy, double Ax, double Ay, double Depth)
    {
        public int First { get; set; }
        public int Last { get; set; }

        public (double X, double Y) At(int frame)
        {
            double dt = frame - T;
            return (Px + Vx * dt + 0.5 * Ax * dt * dt, Py + Vy * dt + 0.5 * Ay * dt * dt);
        }
    }

    private readonly List<Actor> _actors = [];
    private readonly int _width, _height;

    public CrossingScript(SynthGenerator gen, Random rng, int frames)
    {
        _width = gen.Width; _height = gen.Height;
        int side = Math.Min(_width, _height);
        int pairs = Math.Max(2, frames / 30), singles = Math.Max(1, frames / 40), loiterers = 1 + frames / 150;
        for (int i = 0; i < loiterers; i++)
            Add(rng, side, Inner(rng, _width), Inner(rng, _height), rng.Next(frames), rng.NextDouble() * 2 * Math.PI, speedScale: 0.1, depth: -1);
        for (int i = 0; i < pairs; i++)
        {
            double px = Inner(rng, _width), py = Inner(rng, _height), dir = rng.NextDouble() * 2 * Math.PI;
            int t = (int)(frames * (0.1 + 0.8 * rng.NextDouble()));
            double turn = (Math.PI / 4 + rng.NextDouble() * Math.PI / 2) * (rng.Next(2) == 0 ? 1 : -1);
            Add(rng, side, px, py, t, dir, 1, rng.NextDouble());
            Add(rng, side, px, py, t, dir + turn, 1, rng.NextDouble());
        }
        for (int i = 0; i < singles; i++)
            Add(rng, side, Inner(rng, _width), Inner(rng, _height), rng.Next(frames), rng.NextDouble() * 2 * Math.PI, 1, rng.NextDouble());
        _actors.Sort((a, b) => a.Depth.CompareTo(b.Depth));
        foreach (var a in _actors)
        {
            for (a.First = a.T; Overlaps(a, a.First - 1); a.First--) { }
            for (a.Last = a.T; Overlaps(a, a.Last + 1); a.Last++) { }
        }
    }

    private bool Overlaps(Actor a, int frame)
    {
        var (cx, cy) = a.At(frame);
        double nx = Math.Clamp(cx, 0, _width), ny = Math.Clamp(cy, 0, _height);
        return (cx - nx) * (cx - nx) + (cy - ny) * (cy - ny) <= a.Radius * a.Radius;
    }

    private static double Inner(Random rng, int extent) => extent * (0.2 + 0.6 * rng.NextDouble());

    private void Add(Random rng, int side, double px, double py, int t, double dir, double speedScale, double depth)
    {
        var kind = (ShapeKind)rng.Next(SynthShape.ClassNames.Length);
        double radius = side * (0.12 + 0.18 * rng.NextDouble()) / 2;
        var color = new Scalar(40 + rng.Next(216), 40 + rng.Next(216), 40 + rng.Next(216));
        double speed = side * (0.006 + 0.014 * rng.NextDouble()) * speedScale;
        double accel = speed * rng.NextDouble() / 120, accelDir = dir + (rng.Next(2) == 0 ? Math.PI / 2 : -Math.PI / 2);
        _actors.Add(new Actor(_actors.Count + 1, kind, radius, color, rng.NextDouble() * 2 * Math.PI, (rng.NextDouble() - 0.5) * 0.08,
            px, py, t, speed * Math.Cos(dir), speed * Math.Sin(dir), accel * Math.Cos(accelDir), accel * Math.Sin(accelDir), depth));
    }

    public void ShapesAt(int frame, List<SceneShape> shapes)
    {
        shapes.Clear();
        foreach (var a in _actors)
        {
            if (frame < a.First || frame > a.Last) continue;
            var (cx, cy) = a.At(frame);
            shapes.Add(new SceneShape(a.Id, new SynthShape(a.Kind, cx, cy, a.Radius, a.Rotation + a.Spin * frame, a.Color)));
        }
    }
}
