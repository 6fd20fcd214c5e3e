using OpenCvSharp;
using Tood.Realtime.Coco;

namespace Tood.Train.Data.Synth;

/// <summary>
/// Synthetic video: a fixed textured background with shapes that move (bouncing off the borders) and
/// rotate from frame to frame. Ground truth is one COCO file with one image entry per frame:
/// image id = frame index + 1, file_name = "frame_NNNNNN" (no image file is written; the frame is the
/// video's frame with that index). Shapes overlap freely here, so a shape with less than 30 % of its
/// pixels visible is annotated with iscrowd = 1 (an ignore region for COCO evaluation).
/// </summary>
public static class SynthVideo
{
    public const double CrowdBelowVisibleFraction = 0.3;

    public static CocoFile Write(SynthGenerator gen, string videoPath, int frames, double fps = 25)
    {
        if (frames <= 0) throw new ArgumentOutOfRangeException(nameof(frames), "--frames must be positive");
        var rng = gen.RandomFor(-1, stream: 7);
        using var background = SynthBackground.Create(rng, gen.Width, gen.Height);
        int n = 2 + rng.Next(SynthGenerator.MaxObjects - 1);
        var shapes = new List<SynthShape>();
        var vel = new List<(double Vx, double Vy, double Vr)>();
        int side = Math.Min(gen.Width, gen.Height);
        for (int i = 0; i < n; i++)
        {
            shapes.Add(gen.RandomShape(rng));
            double speed = side * (0.005 + 0.02 * rng.NextDouble()), dir = rng.NextDouble() * 2 * Math.PI;
            vel.Add((speed * Math.Cos(dir), speed * Math.Sin(dir), (rng.NextDouble() - 0.5) * 0.1));
        }

        var dir0 = Path.GetDirectoryName(Path.GetFullPath(videoPath));
        if (dir0 is not null) Directory.CreateDirectory(dir0);
        using var writer = new VideoWriter(videoPath, FourCC.FromString("mp4v"), fps, new Size(gen.Width, gen.Height));
        if (!writer.IsOpened()) throw new IOException($"{videoPath}: cannot open video writer (mp4v)");

        var coco = new CocoFile
        {
            Info = new CocoInfo { Description = $"Tood synthetic video {Path.GetFileName(videoPath)}, seed {gen.Seed}; image id = frame index + 1", Version = "1" },
            Categories = SynthGenerator.Categories(),
        };
        long annId = 1;
        using var frame = new Mat();
        for (int f = 0; f < frames; f++)
        {
            background.CopyTo(frame);
            foreach (var s in shapes) Cv2.FillPoly(frame, [s.Outline()], s.Color, LineTypes.AntiAlias);
            writer.Write(frame);
            coco.Images.Add(new CocoImage { Id = f + 1, FileName = $"frame_{f:D6}", Width = gen.Width, Height = gen.Height });
            foreach (var o in gen.Measure(shapes, CrowdBelowVisibleFraction))
                coco.Annotations.Add(SynthGenerator.ToAnnotation(o, annId++, f + 1));
            for (int i = 0; i < shapes.Count; i++) (shapes[i], vel[i]) = Step(shapes[i], vel[i], gen.Width, gen.Height);
        }
        return coco;
    }

    private static (SynthShape, (double, double, double)) Step(SynthShape s, (double Vx, double Vy, double Vr) v, int w, int h)
    {
        double cx = s.Cx + v.Vx, cy = s.Cy + v.Vy, lo = s.Radius * 0.6;
        if (cx < lo || cx > w - lo) { v.Vx = -v.Vx; cx = Math.Clamp(cx, lo, w - lo); }
        if (cy < lo || cy > h - lo) { v.Vy = -v.Vy; cy = Math.Clamp(cy, lo, h - lo); }
        return (s with { Cx = cx, Cy = cy, Rotation = s.Rotation + v.Vr }, v);
    }
}
