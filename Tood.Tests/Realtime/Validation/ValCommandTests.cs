using Tood.Realtime.Coco;
using Tood.Realtime.Datasets;
using Tood.Realtime.Validation;
using Tood.Tests.Cli;
using Tood.Tests.Data;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Validation;

/// <summary>
/// <c>tood-live val</c> end to end on real coco128 photos with a real ORT graph (<see cref="ContractModelBuilder"/>:
/// classes red/green/blue that respond to saturated colour, paired with coco classes by --map), and its one-line
/// errors: exit 1 for bad model/data/labels or no shared class, exit 2 for bad options.
/// </summary>
public class ValCommandTests
{
    private static (TempDir Dir, string Model, string Data) Setup(int images = 6)
    {
        var dir = new TempDir();
        var model = dir["colour.onnx"];
        ContractModelBuilder.Write(model);
        return (dir, model, Coco128Fixture.WriteAnnotations(dir, images));
    }

    private static Task<CliRun.Result> Val(string model, string data, params string[] more) =>
        CliRun.Live(["val", "--model", model, "--data", data, "--images", Coco128Fixture.ImageDir, "--device", "cpu", .. more]);

    [Fact]
    public async Task Prints_stats_per_class_table_and_confusion_and_writes_json_results_and_plots()
    {
        var (dir, model, data) = Setup();
        using var _ = dir;
        // c1 = person; map red/green/blue to three coco classes.
        var r = await Val(model, data, "--map", "red=c1,green=c3,blue=c62", "--conf", "0.001", "--confusion-conf", "0.001",
            "--json", dir["v.json"], "--results", dir["dets.json"], "--plots", dir["plots"]);
        Assert.True(r.Code == 0, r.Err);
        var report = ValidationReport.FromJson(File.ReadAllText(dir["v.json"]));
        var lines = r.Out.Split('\n');
        Assert.Equal(report.Stats.Format().Split('\n'), lines[..12]);
        Assert.Matches(@"^class +  boxes      AP    AP50    AP75$", lines[13]);
        Assert.StartsWith("c1 ", lines[14]);
        Assert.Contains("confusion at score >= 0.001, IoU >= 0.5: ", r.Out);
        Assert.Contains("3 classes evaluated (red=c1, green=c3, blue=c62); data classes not in the model, left out: c2, c4, ", r.Err);

        Assert.Equal([1, 3, 62], report.Classes.Evaluated.Select(c => c.CategoryId));
        Assert.Equal(0.001f, report.Decode.ScoreThreshold);
        Assert.True(report.Detections > 0);
        // The results file holds exactly the evaluated detections, in the evaluated categories.
        var dets = Tood.Realtime.Evaluation.DetectionResultsFile.Load(dir["dets.json"], CocoFile.Load(data));
        Assert.Equal(report.Detections, dets.Count);
        Assert.All(dets, d => Assert.Contains(d.CategoryId, new[] { 1, 3, 62 }));
        // Ground truth restricted to the three classes: the confusion summary counts their boxes only.
        var truth = CocoFile.Load(data);
        Assert.Equal(truth.Annotations.Count(a => a.CategoryId is 1 or 3 or 62), report.Confusion.Classes.Sum(c => c.Gt));
        // Every detection at the operating point is counted once (coco128's labels have no crowd boxes to ignore).
        Assert.Equal(report.Confusion.Correct + report.Confusion.WrongClass + report.Confusion.Background, dets.Count(d => d.Score >= 0.001));
        Assert.True(File.Exists(dir["plots/pr_curve.png"]));
    }

    [Fact]
    public async Task Classes_restricts_the_model_and_the_data()
    {
        var (dir, model, data) = Setup(4);
        using var _ = dir;
        var all = await Val(model, data, "--map", "red=c1,green=c3", "--json", dir["all.json"]);
        var one = await Val(model, data, "--map", "red=c1,green=c3", "--classes", "c1", "--json", dir["one.json"]);
        Assert.True(all.Code == 0 && one.Code == 0, all.Err + one.Err);
        var a = ValidationReport.FromJson(File.ReadAllText(dir["all.json"]));
        var o = ValidationReport.FromJson(File.ReadAllText(dir["one.json"]));
        Assert.Equal(["c1"], o.Classes.Evaluated.Select(c => c.Name));
        Assert.Equal(["c3"], o.Classes.NotSelected);
        Assert.Single(o.PerClass);
        // The red class's own AP is the same either way: its detections do not depend on the other classes here
        // (fewer than the pre-NMS top-k and max-det limits).
        Assert.Equal(a.PerClass.Single(c => c.Name == "c1").AP, o.PerClass[0].AP, 9);
    }

    // A YOLO data.yaml over the same coco128 photos: the real label files, class names from coco128's data.yaml.
    private static string YoloYaml(TempDir dir, int images)
    {
        var list = dir["val.txt"];
        File.WriteAllLines(list, SharedData.Coco128Images("val2017", images));
        var names = YoloDataYaml.Read(Path.Combine(SharedData.Coco128, "data.yaml")).Names;
        var yaml = dir["data.yaml"];
        File.WriteAllText(yaml, $"path: {SharedData.Coco128}\nval: {list}\nnames: [{string.Join(", ", names.Select(n => $"'{n}'"))}]\n");
        return yaml;
    }

    [Fact]
    public async Task Yolo_yaml_and_coco_json_of_the_same_photos_give_the_same_stats()
    {
        var (dir, model, json) = Setup(6);
        using var _ = dir;
        var yaml = YoloYaml(dir, 6);
        // The fixture's COCO json names YOLO class i "c{i+1}" (toilet = 61 → c62); YOLO numbers coco128's names from 0.
        var coco = await Val(model, json, "--map", "red=c1,green=c3,blue=c62", "--conf", "0.001", "--json", dir["coco.json"]);
        var yolo = await CliRun.Live("val", "--model", model, "--data", yaml, "--device", "cpu", "--map", "red=person,green=car,blue=toilet",
            "--conf", "0.001", "--json", dir["yolo.json"]);
        Assert.True(coco.Code == 0 && yolo.Code == 0, coco.Err + yolo.Err);
        var a = ValidationReport.FromJson(File.ReadAllText(dir["coco.json"]));
        var b = ValidationReport.FromJson(File.ReadAllText(dir["yolo.json"]));
        Assert.Equal([0, 2, 61], b.Classes.Evaluated.Select(c => c.CategoryId));
        Assert.Equal("data.yaml (val)", b.Data);
        Assert.Equal(a.Detections, b.Detections);
        Assert.Equal(a.Confusion.Classes.Select(c => c.Gt), b.Confusion.Classes.Select(c => c.Gt));
        Assert.True(a.Detections > 0 && a.Confusion.Classes.Sum(c => c.Gt) > 0, "the comparison must not be vacuous");
        for (int i = 0; i < 12; i++) Assert.Equal(a.Stats.ToArray()[i], b.Stats.ToArray()[i], 9);
    }

    [Fact]
    public async Task Malformed_yolo_label_is_one_line_naming_file_and_line()
    {
        using var dir = new TempDir();
        var model = dir["colour.onnx"];
        ContractModelBuilder.Write(model);
        Directory.CreateDirectory(dir["d/images/val"]);
        Directory.CreateDirectory(dir["d/labels/val"]);
        File.Copy(SharedData.Coco128Images("val2017", 1)[0], dir["d/images/val/a.jpg"]);
        File.WriteAllText(dir["d/labels/val/a.txt"], "0 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.2\n");
        File.WriteAllText(dir["d/data.yaml"], "path: .\nval: images/val\nnames: [red, green, blue]\n");
        var r = await CliRun.Live("val", "--model", model, "--data", dir["d"], "--device", "cpu");
        Assert.Equal((1, $"tood-live val: error: {dir["d/labels/val/a.txt"]}:2: expected 'class cx cy w h' (or a polygon 'class x1 y1 x2 y2 …'), got 4 values: '1 0.5 0.5 0.2'"),
            (r.Code, r.ErrorLine));
    }

    [Fact]
    public async Task Shipped_shapes_model_on_coco128_is_one_no_shared_class_line()
    {
        using var dir = new TempDir();
        var data = Coco128Fixture.WriteAnnotations(dir, 2);
        var r = await Val(RepoPaths.Path("samples", "tood_tiny_shapes.onnx"), data);
        Assert.Equal(1, r.Code);
        Assert.Matches(@"^tood-live val: error: model tood_tiny_shapes\.onnx and data coco128_val\.json share no class \(matched by name, any case\): the model has [a-z, ]+; the data has c1, c2, .*\(80\)$", r.ErrorLine);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public async Task Bad_input_is_one_line_with_exit_1()
    {
        var (dir, model, data) = Setup(2);
        using var _ = dir;
        var noMeta = dir["nometa.onnx"];
        ContractModelBuilder.Write(noMeta, variant: ContractModelBuilder.Variant.NoMetadata);
        File.WriteAllText(dir["bad.json"], "{\"images\": [ {\"id\": 1,, } ]}");
        var missingImage = dir["missing_image.json"];
        new CocoFile { Images = [new CocoImage { Id = 1, FileName = "nope.jpg", Width = 9, Height = 9 }], Categories = [new CocoCategory { Id = 1, Name = "red" }] }.Save(missingImage);

        async Task Check(string expected, string m, string d, params string[] more)
        {
            var r = await Val(m, d, more);
            Assert.Equal((1, "tood-live val: error: " + expected), (r.Code, Assert.Single(r.Err.Split('\n'), l => l.Contains("error:", StringComparison.Ordinal))));
        }
        await Check($"model not found: {dir["absent.onnx"]}", dir["absent.onnx"], data);
        await Check($"annotation file not found: {dir["absent.json"]}", model, dir["absent.json"]);
        await Check("model nometa.onnx has no Tood metadata (tood.format_version missing); export it with 'tood-train export'", noMeta, data);
        var malformed = await Val(model, dir["bad.json"]);
        Assert.Equal(1, malformed.Code);
        Assert.StartsWith($"tood-live val: error: {dir["bad.json"]}: malformed COCO JSON at line 1:", malformed.ErrorLine);
        await Check($"{Path.Combine(Coco128Fixture.ImageDir, "nope.jpg")}: image file not found", model, missingImage);
        // Outputs are checked before the run.
        await Check($"--json {dir["no/such/dir/v.json"]}: directory {dir["no/such/dir"]} does not exist", model, data, "--map", "red=c1", "--json", dir["no/such/dir/v.json"]);
    }

    [Theory]
    [InlineData("--classes,c2", "--classes: 'c2' is a class of the data but not of the model (red, green, blue)")]
    [InlineData("--map,red=c1,--classes,green", "--classes: 'green' is a class of the model but not of the data (c1, c2, c3, ")]
    [InlineData("--map,red", "--map expects model=data pairs separated by commas, got 'red'")]
    [InlineData("--map,red=nothing", "--map: 'nothing' is not a class of the data (c1, c2, ")]
    [InlineData("--map,pink=c1", "--map: 'pink' is not a class of the model (red, green, blue)")]
    [InlineData("--conf,2", "--conf must be in [0,1], got 2")]
    public async Task Bad_options_are_one_usage_line_with_exit_2(string args, string expected)
    {
        var (dir, model, data) = Setup(1);
        using var _ = dir;
        var r = await Val(model, data, args.Split(','));
        Assert.Equal(2, r.Code);
        Assert.StartsWith("tood-live val: error: " + expected, r.ErrorLine);
        Assert.EndsWith(" (see tood-live val --help)", r.ErrorLine);
    }
}
