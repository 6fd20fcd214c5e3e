namespace Tood.Train.Data.Synth;

/// <summary><see cref="SynthScene.Bounce"/>: shapes move and rotate, reflecting off the borders; track ID = shape index + 1.</summary>
internal sealed class BounceScript : ISceneScript
{
    private readonly List<SynthShape> _shapes = [];
    private readonly List<(double Vx, double Vy, double Vr)> _velocity = [];
    private readonly int _width, _height;
    private int _frame;

    public BounceScript(SynthGenerator gen, Random rng)
    {
        _width = gen.Width; _height = gen.Height;
        int n = 2 + rng.Next(SynthGenerator.MaxObjects - 1);
        int side = Math.Min(gen.Width, gen.Height);
        for (int i = 0; i < n; i++)
        {
            _shapes.Add(gen.RandomShape(rng));
            double speed = side * (0.005 + 0.02 * rng.NextDouble()), dir = rng.NextDouble() * 2 * Math.PI;
            _velocity.Add((speed * Math.Cos(dir), speed * Math.Sin(dir), (rng.NextDouble() - 0.5) * 0.1));
        }
    }

    public void ShapesAt(int frame, List<SceneShape> shapes)
    {
        if (frame < _frame) throw new InvalidOperationException("frames must be asked for in order");
        for (; _frame < frame; _frame++)
            for (int i = 0; i < _shapes.Count; i++) (_shapes[i], _velocity[i]) = Step(_shapes[i], _velocity[i]);
        shapes.Clear();
        for (int i = 0; i < _shapes.Count; i++) shapes.Add(new SceneShape(i + 1, _shapes[i]));
    }

    private (SynthShape, (double, double, double)) Step(SynthShape s, (double Vx, double Vy, double Vr) v)
    {
        double cx = s.Cx + v.Vx, cy = s.Cy + v.Vy, lo = s.Radius * 0.6;
        if (cx < lo || cx > _width - lo) { v.Vx = -v.Vx; cx = Math.Clamp(cx, lo, _width - lo); }
        if (cy < lo || cy > _height - lo) { v.Vy = -v.Vy; cy = Math.Clamp(cy, lo, _height - lo); }
        return (s with { Cx = cx, Cy = cy, Rotation = s.Rotation + v.Vr }, v);
    }
}
