using OpenCvSharp;

namespace Tood.Train.Data.Synth;

/// <summary>The shape classes of the synthetic dataset; the enum value is the class index (COCO category id = value + 1).</summary>
public enum ShapeKind
{
    Circle = 0,
    Square = 1,
    Triangle = 2,
    Star = 3,
    Cross = 4,
    Hexagon = 5,
}

/// <summary>One shape instance: centre, circumradius, rotation (radians) and BGR colour.</summary>
public readonly record struct SynthShape(ShapeKind Kind, double Cx, double Cy, double Radius, double Rotation, Scalar Color)
{
    public static readonly string[] ClassNames = ["circle", "square", "triangle", "star", "cross", "hexagon"];

    /// <summary>Polygon outline in image pixels (a circle is approximated by 64 vertices so that masks and the
    /// drawn shape agree exactly).</summary>
    public Point[] Outline()
    {
        (double X, double Y)[] unit = Kind switch
        {
            ShapeKind.Circle => Regular(64, 1, 0),
            ShapeKind.Square => Regular(4, 1, Math.PI / 4),
            ShapeKind.Triangle => Regular(3, 1, -Math.PI / 2),
            ShapeKind.Hexagon => Regular(6, 1, 0),
            ShapeKind.Star => StarPoints(),
            ShapeKind.Cross => CrossPoints(),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
        };
        double c = Math.Cos(Rotation), s = Math.Sin(Rotation);
        var pts = new Point[unit.Length];
        for (int i = 0; i < unit.Length; i++)
        {
            double x = unit[i].X * Radius, y = unit[i].Y * Radius;
            pts[i] = new Point((int)Math.Round(Cx + x * c - y * s), (int)Math.Round(Cy + x * s + y * c));
        }
        return pts;
    }

    private static (double, double)[] Regular(int n, double r, double phase)
    {
        var p = new (double, double)[n];
        for (int i = 0; i < n; i++)
        {
            double a = phase + 2 * Math.PI * i / n;
            p[i] = (r * Math.Cos(a), r * Math.Sin(a));
        }
        return p;
    }

    private static (double, double)[] StarPoints()
    {
        var p = new (double, double)[10];
        for (int i = 0; i < 10; i++)
        {
            double a = -Math.PI / 2 + Math.PI * i / 5, r = i % 2 == 0 ? 1.0 : 0.45;
            p[i] = (r * Math.Cos(a), r * Math.Sin(a));
        }
        return p;
    }

    private static (double, double)[] CrossPoints()
    {
        // Plus sign with arm half-width 0.3 of the radius; the arm tips lie at distance ≈1.
        const double a = 0.3, b = 0.95;
        return [(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a), (a, b), (-a, b), (-a, a), (-b, a), (-b, -a), (-a, -a)];
    }
}
