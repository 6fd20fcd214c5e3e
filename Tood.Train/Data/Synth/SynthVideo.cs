using OpenCvSharp;
using Tood.Realtime.Coco;
using Tood.Realtime.Mot;

namespace Tood.Train.Data.Synth;

/// <summary>Ground truth of a synthetic video: COCO (one image entry per frame) and MOT Challenge rows (with track IDs).</summary>
public sealed record SynthVideoTruth(CocoFile Coco, IReadOnlyList<MotRecord> Tracks);

/// <summary>
/// Synthetic video: a fixed textured background with shapes moved by a <see cref="SynthScene"/> script.
/// Ground truth, per frame, is the box of each shape's visible pixels, twice:
/// <list type="bullet">
/// <item>COCO, one image entry per frame: image id = frame index + 1, file_name = "frame_NNNNNN" (no image
/// file is written; the frame is the video's frame with that index);</item>
/// <item>MOT Challenge gt.txt rows <c>frame,id,x,y,w,h,flag,class,visibility</c>: 1-based frame, the shape's
/// stable track ID, class = shape class + 1 (the COCO category id), visibility = visible pixels / pixels of
/// the whole shape (occlusion and truncation by the border both lower it).</item>
/// </list>
/// Shapes overlap freely, so heavily hidden shapes are marked not to be scored: in COCO iscrowd = 1 (an
/// ignore region) below 30 % visible (bounce: of the in-frame pixels, as before; crossing: visibility as
/// above), in MOT flag 0 when visibility &lt; 30 %. A shape with no visible pixel has no row.
/// </summary>
public static class SynthVideo
{
    public const double CrowdBelowVisibleFraction = 0.3;

    public static SynthVideoTruth Write(SynthGenerator gen, string videoPath, int frames, double fps = 25, SynthScene scene = SynthScene.Bounce)
    {
        if (frames <= 0) throw new ArgumentOutOfRangeException(nameof(frames), "--frames must be positive");
        var rng = gen.RandomFor(-1, stream: 7);
        using var background = SynthBackground.Create(rng, gen.Width, gen.Height);
        ISceneScript script = scene switch
        {
            SynthScene.Bounce => new BounceScript(gen, rng),
            SynthScene.Crossing => new CrossingScript(gen, rng, frames),
            _ => throw new ArgumentOutOfRangeException(nameof(scene)),
        };

        var dir0 = Path.GetDirectoryName(Path.GetFullPath(videoPath));
        if (dir0 is not null) Directory.CreateDirectory(dir0);
        using var writer = new VideoWriter(videoPath, FourCC.FromString("mp4v"), fps, new Size(gen.Width, gen.Height));
        if (!writer.IsOpened()) throw new IOException($"{videoPath}: cannot open video writer (mp4v)");

        var coco = new CocoFile
        {
            Info = new CocoInfo { Description = $"Tood synthetic video {Path.GetFileName(videoPath)}, seed {gen.Seed}; image id = frame index + 1", Version = "1" },
            Categories = SynthGenerator.Categories(),
        };
        var mot = new List<MotRecord>();
        long annId = 1;
        var sceneShapes = new List<SceneShape>();
        var shapes = new List<SynthShape>();
        using var frame = new Mat();
        for (int f = 0; f < frames; f++)
        {
            script.ShapesAt(f, sceneShapes);
            shapes.Clear();
            foreach (var s in sceneShapes) shapes.Add(s.Shape);
            background.CopyTo(frame);
            foreach (var s in shapes) Cv2.FillPoly(frame, [s.Outline()], s.Color, LineTypes.AntiAlias);
            writer.Write(frame);
            coco.Images.Add(new CocoImage { Id = f + 1, FileName = $"frame_{f:D6}", Width = gen.Width, Height = gen.Height });
            foreach (var o in gen.Measure(shapes, CrowdBelowVisibleFraction))
            {
                double visibility = o.VisiblePixels / Math.Max(o.FullPixels, Cv2.ContourArea(shapes[o.Shape].Outline()));
                bool ignored = visibility < CrowdBelowVisibleFraction;
                var labelled = scene == SynthScene.Bounce ? o : o with { Crowd = ignored };
                coco.Annotations.Add(SynthGenerator.ToAnnotation(labelled, annId++, f + 1));
                mot.Add(new MotRecord(f + 1, sceneShapes[o.Shape].TrackId, o.X1, o.Y1, o.X2 - o.X1, o.Y2 - o.Y1,
                    ignored ? 0 : 1, (int)o.Kind + 1, (float)Math.Min(1, visibility)));
            }
        }
        return new SynthVideoTruth(coco, mot);
    }
}
