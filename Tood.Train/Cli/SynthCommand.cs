using System.CommandLine;
using System.Globalization;
using Tood.CommandLine;
using Tood.Realtime.Mot;
using Tood.Train.Data.Synth;

namespace Tood.Train.Cli;

/// <summary><c>tood-train synth --out DIR --images N --size S --seed K [--height H] [--video FILE --frames F --scene bounce|crossing]</c>:
/// deterministic synthetic shapes dataset (DIR/images/*.png + DIR/annotations.json) and optional video
/// (FILE + FILE-with-.json ground truth, one COCO image entry per frame, id = frame index + 1, and
/// FILE-with-.gt.txt, MOT Challenge ground truth with track IDs).</summary>
public sealed class SynthCommand : ToolCommand
{
    private readonly Option<string?> _out = CliOptions.Text("--out", "DIR", "dataset folder (images/ + annotations.json); not needed with --video alone");
    private readonly Option<int> _images = CliOptions.Int("--images", "N", "images in the dataset", 100, min: 0);
    private readonly Option<int> _size = CliOptions.Int("--size", "S", "image width (and height unless --height)", 256, min: 32);
    private readonly Option<int?> _height = CliOptions.OptionalInt("--height", "H", "image height (default: --size)", min: 32);
    private readonly Option<int> _seed = CliOptions.Int("--seed", "K", "random seed (same seed, same data)", 0);
    private readonly Option<string?> _video = CliOptions.Text("--video", "FILE.mp4", "also write a video of moving shapes (+ FILE.json COCO and FILE.gt.txt MOT ground truth)");
    private readonly Option<int> _frames = CliOptions.Int("--frames", "F", "video frames", 100, min: 1);
    private readonly Option<string> _scene = CliOptions.Choice("--scene",
        "video motion: bounce (shapes stay in view) or crossing (they enter, cross, hide each other, leave; for tracking)", "bounce", "bounce", "crossing");

    public SynthCommand() : base("synth", "deterministic synthetic COCO shapes dataset and video")
    {
        foreach (var o in new Option[] { _out, _images, _size, _height, _seed, _video, _frames, _scene }) Options.Add(o);
        Validators.Add(r =>
        {
            if (r.GetResult(_out) is null && (r.GetResult(_video) is null || r.GetResult(_images) is not null))
                r.AddError("missing required option --out");
        });
    }

    protected override Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        int size = parse.GetValue(_size);
        var gen = new SynthGenerator(parse.GetValue(_seed), size, parse.GetValue(_height) ?? size);
        var inv = CultureInfo.InvariantCulture;
        if (parse.GetValue(_out) is { } outDir && parse.GetValue(_images) is > 0 and var n)
        {
            var coco = gen.WriteDataset(outDir, n);
            console.Out.WriteLine(string.Create(inv, $"wrote {coco.Images.Count} images, {coco.Annotations.Count} boxes to {Path.Combine(outDir, "annotations.json")}"));
        }
        if (parse.GetValue(_video) is { } video)
        {
            int frames = parse.GetValue(_frames);
            var scene = Enum.Parse<SynthScene>(parse.GetValue(_scene)!, ignoreCase: true);
            var gt = SynthVideo.Write(gen, video, frames, scene: scene);
            var gtPath = Path.ChangeExtension(video, ".json");
            gt.Coco.Save(gtPath);
            var motPath = Path.ChangeExtension(video, ".gt.txt");
            MotFile.WriteGroundTruth(motPath, gt.Tracks);
            int ids = gt.Tracks.Select(r => r.Id).Distinct().Count();
            console.Out.WriteLine(string.Create(inv,
                $"wrote {frames} frames ({parse.GetValue(_scene)} scene) to {video}, ground truth {gtPath} (image id = frame index + 1) and {motPath} (MOT Challenge, {ids} track IDs)"));
        }
        return Task.FromResult(ExitCodes.Ok);
    }
}
