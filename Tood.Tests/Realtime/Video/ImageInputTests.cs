using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using Tood.Realtime.Datasets;
using Tood.Realtime.Evaluation;
using Tood.Tests.Cli;
using Tood.Tests.Data;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Video;

/// <summary>
/// tood-live --source IMAGE|DIR|GLOB on real coco128 photos (of different sizes) through the video pipeline: annotated
/// images under the same names and sizes, one JSONL line per image, CSV rows and COCO results that agree with the JSONL
/// box for box, unreadable images reported and counted, and the usage errors of image input.
/// </summary>
[Collection(RealtimeCollection.Name)]
public class ImageInputTests(RealtimeFixture fx)
{
    private sealed record Box(double X1, double Y1, double X2, double Y2, double Score, int ClassId);
    private sealed record Line(long Frame, string File, int Width, int Height, List<Box> Boxes);

    /// <summary>Copies the first <paramref name="count"/> coco128 val2017 photos into <paramref name="dir"/>; returns their names.</summary>
    private static string[] CopyPhotos(string dir, int count)
    {
        Directory.CreateDirectory(dir);
        var names = new List<string>();
        foreach (var src in SharedData.Coco128Images("val2017", count))
        {
            File.Copy(src, Path.Combine(dir, Path.GetFileName(src)));
            names.Add(Path.GetFileName(src));
        }
        return [.. names];
    }

    private static (int W, int H) SizeOf(string path)
    {
        using var m = Cv2.ImRead(path, ImreadModes.Color);
        Assert.False(m.Empty(), path);
        return (m.Width, m.Height);
    }

    private static List<Line> ReadJsonl(string path) => [.. File.ReadAllLines(path).Select(l =>
    {
        using var doc = JsonDocument.Parse(l);
        var r = doc.RootElement;
        var boxes = r.GetProperty("detections").EnumerateArray().Select(d => new Box(d.GetProperty("x1").GetDouble(), d.GetProperty("y1").GetDouble(),
            d.GetProperty("x2").GetDouble(), d.GetProperty("y2").GetDouble(), d.GetProperty("score").GetDouble(), d.GetProperty("class_id").GetInt32())).ToList();
        Assert.Equal(0, r.GetProperty("time").GetDouble());
        return new Line(r.GetProperty("frame").GetInt64(), r.GetProperty("file").GetString()!, r.GetProperty("width").GetInt32(), r.GetProperty("height").GetInt32(), boxes);
    })];

    private static double Num(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Folder_of_photos_with_a_corrupt_one_gives_same_named_images_and_matching_jsonl_csv_and_coco()
    {
        using var dir = new TempDir();
        var names = CopyPhotos(dir["in"], 6);
        // Sorts between the photos: its position is skipped, so the frames after it keep their positions.
        const string Corrupt = "000000000500_corrupt.jpg";
        File.WriteAllText(Path.Combine(dir["in"], Corrupt), "not a JPEG");
        File.WriteAllText(Path.Combine(dir["in"], "notes.txt"), "not an image and not counted");
        var sorted = names.Append(Corrupt).Order(StringComparer.Ordinal).ToList();

        var r = await CliRun.Live("--source", dir["in"], "--model", fx.Model, "--device", "cpu", "--batch", "4", "--conf", "0.2",
            "--output", dir["out"], "--save-json", dir["d.jsonl"], "--save-csv", dir["d.csv"], "--save-coco", dir["coco.json"]);

        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("6 images in ", r.Out);
        Assert.Contains("skipped 1 unreadable images", r.Out);
        Assert.Equal($"tood-live: {Path.Combine(dir["in"], Corrupt)}: unreadable image skipped (corrupt or not an image)",
            Assert.Single(r.Err.Split('\n'), l => l.Contains(Corrupt, StringComparison.Ordinal)));

        // Annotated images: the same names and sizes as the inputs, nothing else (no partial files).
        Assert.Equal(names.Order(StringComparer.Ordinal), Directory.GetFiles(dir["out"]).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var n in names) Assert.Equal(SizeOf(Path.Combine(dir["in"], n)), SizeOf(Path.Combine(dir["out"], n)));

        // JSONL: one line per readable image, in name order; frame = position in the sorted list (the corrupt one's is a gap).
        var lines = ReadJsonl(dir["d.jsonl"]);
        Assert.Equal(names.Order(StringComparer.Ordinal), lines.Select(l => l.File));
        Assert.Equal(lines.Select(l => (long)sorted.IndexOf(l.File)), lines.Select(l => l.Frame));
        Assert.Equal(2, sorted.IndexOf(Corrupt));
        Assert.Equal([0L, 1, 3, 4, 5, 6], lines.Select(l => l.Frame)); // a gap at 2, the corrupt image's position
        foreach (var l in lines) Assert.Equal(SizeOf(Path.Combine(dir["in"], l.File)), (l.Width, l.Height));
        var all = lines.SelectMany(l => l.Boxes.Select(b => (Line: l, Box: b))).ToList();
        Assert.InRange(all.Count, 3, 10_000); // the colour model finds saturated regions in real photos
        Assert.True(lines.Count(l => l.Boxes.Count > 0) >= 2, "detections on at least two photos");
        Assert.Contains($", {all.Count} detections", r.Out);
        foreach (var (l, b) in all)
        {
            Assert.InRange(b.X1, -1, l.Width + 1);
            Assert.InRange(b.Y2, -1, l.Height + 1);
        }

        // CSV: frame,file,time,... one row per detection, the same boxes in the same order.
        var csv = File.ReadAllLines(dir["d.csv"]);
        Assert.Equal("frame,file,time,x1,y1,x2,y2,score,class_id,class", csv[0]);
        Assert.Equal(all.Count, csv.Length - 1);
        for (int i = 0; i < all.Count; i++)
        {
            var f = csv[i + 1].Split(',');
            var (l, b) = all[i];
            Assert.Equal((l.Frame, l.File, 0.0), (long.Parse(f[0], CultureInfo.InvariantCulture), f[1], Num(f[2])));
            // Both written from the same box: 0.01 px and 1e-4 apart at most (a format string and Math.Round break ties differently).
            double[] got = [Num(f[3]), Num(f[4]), Num(f[5]), Num(f[6])];
            double[] want = [b.X1, b.Y1, b.X2, b.Y2];
            for (int k = 0; k < 4; k++) Assert.InRange(got[k] - want[k], -0.0101, 0.0101);
            Assert.InRange(Num(f[7]) - b.Score, -0.000101, 0.000101);
            Assert.Equal(b.ClassId, int.Parse(f[8], CultureInfo.InvariantCulture));
            Assert.Equal(ContractModelBuilder.ClassNames[b.ClassId], f[9]);
        }

        // COCO results: image_id = position + 1, category_id = class index, bbox = [x1, y1, x2 - x1, y2 - y1].
        using var coco = JsonDocument.Parse(File.ReadAllText(dir["coco.json"]));
        var entries = coco.RootElement.EnumerateArray().ToList();
        Assert.Equal(all.Count, entries.Count);
        for (int i = 0; i < all.Count; i++)
        {
            var (l, b) = all[i];
            var e = entries[i];
            Assert.Equal(["image_id", "category_id", "bbox", "score"], e.EnumerateObject().Select(p => p.Name));
            Assert.Equal(l.Frame + 1, e.GetProperty("image_id").GetInt64());
            Assert.Equal(b.ClassId, e.GetProperty("category_id").GetInt32());
            var bbox = e.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            double[] expected = [b.X1, b.Y1, b.X2 - b.X1, b.Y2 - b.Y1];
            for (int k = 0; k < 4; k++) Assert.InRange(bbox[k] - expected[k], -0.0101, 0.0101); // both rounded to 0.01 px from the same box
            Assert.InRange(e.GetProperty("score").GetDouble() - b.Score, -0.00006, 0.00006);
        }
    }

    [Fact]
    public async Task Coco_results_of_a_folder_evaluate_against_a_yolo_split_of_that_folder()
    {
        // The YOLO labels are this run's own detections, so the results must score AP 1 through the same evaluator
        // tood-live val uses: image ids (file order, 1-based) and category ids (class index) line up with the loader's.
        using var dir = new TempDir();
        var names = CopyPhotos(dir["images"], 5);
        var r = await CliRun.Live("--source", dir["images"], "--model", fx.Model, "--device", "cpu", "--conf", "0.2",
            "--save-json", dir["d.jsonl"], "--save-coco", dir["coco.json"]);
        Assert.True(r.Code == 0, r.Err);
        Directory.CreateDirectory(dir["labels"]);
        var lines = ReadJsonl(dir["d.jsonl"]);
        Assert.Equal(names, lines.Select(l => l.File));
        foreach (var l in lines)
            File.WriteAllLines(Path.Combine(dir["labels"], Path.ChangeExtension(l.File, ".txt")), l.Boxes.Select(b => string.Create(CultureInfo.InvariantCulture,
                $"{b.ClassId} {(b.X1 + b.X2) / 2 / l.Width} {(b.Y1 + b.Y2) / 2 / l.Height} {(b.X2 - b.X1) / l.Width} {(b.Y2 - b.Y1) / l.Height}")));
        File.WriteAllText(dir["data.yaml"], "path: .\ntrain: images\nval: images\nnames: [red, green, blue]\n");

        var gt = DetectionData.Load(dir["data.yaml"], "val").Coco;
        var results = DetectionResultsFile.Load(dir["coco.json"], gt);
        Assert.Equal(lines.Sum(l => l.Boxes.Count), results.Count);
        Assert.True(results.Count >= 3, $"{results.Count} detections");
        var fileOf = gt.Images.ToDictionary(i => i.Id, i => Path.GetFileName(i.FileName));
        Assert.Equal(lines.SelectMany(l => l.Boxes.Select(_ => l.File)), results.Select(d => fileOf[d.ImageId]));
        var stats = CocoEvaluator.Evaluate(gt, results);
        Assert.InRange(stats.AP50, 0.999, 1.0);
        Assert.InRange(stats.AP, 0.99, 1.0);
    }

    [Fact]
    public async Task Coco_ids_file_gives_image_and_category_ids_by_name()
    {
        // A COCO annotation file as instances_val2017.json has it: image ids from the file names, categories numbered
        // its own way (names in another case), one class (green) and one photo missing.
        using var dir = new TempDir();
        var names = CopyPhotos(dir["in"], 5);
        long IdOf(string file) => long.Parse(Path.GetFileNameWithoutExtension(file), CultureInfo.InvariantCulture);
        var images = string.Join(",", names[..4].Select(n => $$"""{"id": {{IdOf(n)}}, "file_name": "{{n}}", "width": 1, "height": 1}"""));
        File.WriteAllText(dir["instances.json"], $$"""{"images": [{{images}}], "annotations": [], "categories": [{"id": 3, "name": "Blue"}, {"id": 9, "name": "red"}]}""");
        var r = await CliRun.Live("--source", dir["in"], "--model", fx.Model, "--device", "cpu", "--conf", "0.2",
            "--save-json", dir["d.jsonl"], "--save-coco", dir["coco.json"], "--coco-ids", dir["instances.json"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Single(r.Err.Split('\n'), l => l.StartsWith($"tood-live: --save-coco: {names[4]} is not an image of the --coco-ids file", StringComparison.Ordinal));

        var category = new Dictionary<int, int> { [0] = 9, [2] = 3 };   // red, blue; green (1) has none
        var expected = ReadJsonl(dir["d.jsonl"]).Where(l => l.File != names[4])
            .SelectMany(l => l.Boxes.Where(b => category.ContainsKey(b.ClassId)).Select(b => (IdOf(l.File), category[b.ClassId], b.X1)))
            .ToList();
        var results = DetectionResultsFile.Load(dir["coco.json"], Tood.Realtime.Coco.CocoFile.Load(dir["instances.json"]));
        Assert.True(expected.Count >= 2, $"{expected.Count} detections of red or blue");
        Assert.Equal(expected, results.Select(d => (d.ImageId, d.CategoryId, d.Bbox[0])));

        r = await CliRun.Live("--source", dir["in"], "--model", fx.Model, "--coco-ids", dir["instances.json"]);
        Assert.Equal(2, r.Code);
        Assert.Equal("tood-live: error: --coco-ids sets the ids of --save-coco; give --save-coco R.json too (see tood-live --help)", r.ErrorLine);
    }

    [Fact]
    public async Task Glob_selects_a_subset_and_double_star_keeps_subfolder_names()
    {
        using var dir = new TempDir();
        var names = CopyPhotos(dir["in"], 6);
        Directory.CreateDirectory(dir["in/sub"]);
        File.Move(Path.Combine(dir["in"], names[5]), Path.Combine(dir["in/sub"], names[5]));
        var expected = names.Where(n => n.Contains('7', StringComparison.Ordinal)).Select(n => n == names[5] ? $"sub/{n}" : n).Order(StringComparer.Ordinal).ToList();
        Assert.InRange(expected.Count, 2, 5); // a real subset

        var r = await CliRun.Live("--source", Path.Combine(dir["in"], "**", "*7*.jpg"), "--model", fx.Model, "--device", "cpu",
            "--output", dir["out"], "--save-json", dir["g.jsonl"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains($"{expected.Count} images in ", r.Out);
        Assert.Contains("skipped 0 unreadable images", r.Out);
        var lines = ReadJsonl(dir["g.jsonl"]);
        Assert.Equal(expected, lines.Select(l => l.File));
        Assert.Equal(Enumerable.Range(0, expected.Count).Select(i => (long)i), lines.Select(l => l.Frame));
        foreach (var n in expected) Assert.Equal(SizeOf(Path.Combine(dir["in"], n)), SizeOf(Path.Combine(dir["out"], n)));

        // A pattern without the ** reads only the top folder.
        r = await CliRun.Live("--source", Path.Combine(dir["in"], "*7*.jpg"), "--model", fx.Model, "--device", "cpu", "--save-json", dir["top.jsonl"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(expected.Where(n => !n.StartsWith("sub/", StringComparison.Ordinal)), ReadJsonl(dir["top.jsonl"]).Select(l => l.File));
    }

    [Fact]
    public async Task Single_image_is_one_frame_at_its_own_size()
    {
        using var dir = new TempDir();
        var name = CopyPhotos(dir["in"], 1)[0];
        var r = await CliRun.Live("--source", Path.Combine(dir["in"], name), "--model", fx.Model, "--device", "cpu", "--output", dir["out"], "--save-json", dir["one.jsonl"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("1 images in ", r.Out);
        var line = Assert.Single(ReadJsonl(dir["one.jsonl"]));
        Assert.Equal((0L, name), (line.Frame, line.File));
        var size = SizeOf(Path.Combine(dir["in"], name));
        Assert.Equal(size, (line.Width, line.Height));
        Assert.Equal(size, SizeOf(Path.Combine(dir["out"], name)));
        Assert.Equal([name], Directory.GetFiles(dir["out"]).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Saved_images_have_no_status_banner_unless_status_is_given()
    {
        // A real photo as PNG (lossless), and a threshold no box reaches: the saved image must be the input, pixel for pixel.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        using (var photo = Cv2.ImRead(SharedData.Coco128Images("val2017", 1)[0], ImreadModes.Color))
            Assert.True(Cv2.ImWrite(Path.Combine(dir["in"], "photo.png"), photo));
        foreach (var (outDir, extra) in new[] { (dir["plain"], Array.Empty<string>()), (dir["status"], new[] { "--status" }) })
        {
            var r = await CliRun.Live(["--source", dir["in"], "--model", fx.Model, "--device", "cpu", "--conf", "0.9999", "--output", outDir, .. extra]);
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains("1 images in ", r.Out);
            Assert.Contains(", 0 detections", r.Out);
        }
        using var input = Cv2.ImRead(Path.Combine(dir["in"], "photo.png"), ImreadModes.Color);
        using var plain = Cv2.ImRead(Path.Combine(dir["plain"], "photo.png"), ImreadModes.Color);
        using var status = Cv2.ImRead(Path.Combine(dir["status"], "photo.png"), ImreadModes.Color);
        Assert.Equal(0, Differing(input, plain, new Rect(0, 0, input.Width, input.Height)));
        // The banner: a black band at the top-left corner; below it the two outputs are the same picture.
        var band = new Rect(150, 1, 80, 3);
        using (var roi = new Mat(status, band)) Assert.InRange(Cv2.Mean(roi).Val0, 0, 12);
        Assert.True(Differing(input, status, band) > 200, "no banner with --status");
        Assert.Equal(0, Differing(input, status, new Rect(0, 60, input.Width, input.Height - 60)));
    }

    private static int Differing(Mat a, Mat b, Rect r)
    {
        using var diff = new Mat();
        using var ra = new Mat(a, r);
        using var rb = new Mat(b, r);
        Cv2.Absdiff(ra, rb, diff);
        using var gray = diff.CvtColor(ColorConversionCodes.BGR2GRAY);
        return Cv2.CountNonZero(gray);
    }

    [Fact]
    public async Task Folder_without_images_or_without_readable_ones_exits_1_with_one_line()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["empty"]);
        File.WriteAllText(Path.Combine(dir["empty"], "readme.txt"), "no images here");
        var r = await CliRun.Live("--source", dir["empty"], "--model", fx.Model, "--device", "cpu");
        Assert.Equal(1, r.Code);
        Assert.StartsWith($"tood-live: error: {dir["empty"]}: no images in this folder (", r.ErrorLine);

        r = await CliRun.Live("--source", Path.Combine(dir["empty"], "*.png"), "--model", fx.Model, "--device", "cpu");
        Assert.Equal(1, r.Code);
        Assert.StartsWith($"tood-live: error: {Path.Combine(dir["empty"], "*.png")}: no image matches this pattern (", r.ErrorLine);

        var missing = dir["missing"] + Path.DirectorySeparatorChar;
        r = await CliRun.Live("--source", missing, "--model", fx.Model, "--device", "cpu");
        Assert.Equal(1, r.Code);
        Assert.Equal($"tood-live: error: folder not found: {missing}", r.ErrorLine);

        Directory.CreateDirectory(dir["bad"]);
        File.WriteAllText(Path.Combine(dir["bad"], "a.png"), "not a PNG");
        File.WriteAllText(Path.Combine(dir["bad"], "b.jpg"), "not a JPEG");
        r = await CliRun.Live("--source", dir["bad"], "--model", fx.Model, "--device", "cpu");
        Assert.Equal(1, r.Code);
        Assert.Contains("0 images in ", r.Out);
        Assert.Contains("skipped 2 unreadable images", r.Out);
        Assert.Equal(2, r.Err.Split('\n').Count(l => l.EndsWith("unreadable image skipped (corrupt or not an image)", StringComparison.Ordinal)));
        Assert.Equal($"tood-live: error: folder {dir["bad"]}: none of its 2 images could be read", Assert.Single(r.Err.Split('\n'), l => l.Contains("error:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Output_kind_must_match_the_input_kind()
    {
        using var dir = new TempDir();
        CopyPhotos(dir["in"], 1);
        var r = await CliRun.Live("--source", dir["in"], "--model", fx.Model, "--output", dir["out.mp4"]);
        Assert.Equal(2, r.Code);
        Assert.Equal($"tood-live: error: --output {dir["out.mp4"]}: image input writes annotated images to a folder under their own names; give a folder, not a .mp4 (see tood-live --help)", r.ErrorLine);
        Assert.False(Path.Exists(dir["out.mp4"]));

        r = await CliRun.Live("--source", fx.Video, "--model", fx.Model, "--output", dir["frames"]);
        Assert.Equal(2, r.Code);
        Assert.Equal($"tood-live: error: --output {dir["frames"]}: the video is written as mp4; use a .mp4 name (see tood-live --help)", r.ErrorLine);

        r = await CliRun.Live("--source", dir["in"], "--model", fx.Model, "--realtime");
        Assert.Equal(2, r.Code);
        Assert.Equal("tood-live: error: --realtime replays a video at its frame rate; image input has none (see tood-live --help)", r.ErrorLine);

        // The input folder itself would lose its originals.
        var before = File.ReadAllBytes(Directory.GetFiles(dir["in"])[0]);
        r = await CliRun.Live("--source", dir["in"], "--model", fx.Model, "--device", "cpu", "--output", dir["in"]);
        Assert.Equal(1, r.Code);
        Assert.EndsWith($"--output {dir["in"]}: is the input folder; the annotated images would replace the originals",
            Assert.Single(r.Err.Split('\n'), l => l.Contains("error:", StringComparison.Ordinal)));
        Assert.Equal(before, File.ReadAllBytes(Directory.GetFiles(dir["in"])[0]));
    }
}
