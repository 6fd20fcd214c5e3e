using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;
using Tood.Realtime.Validation;
using Tood.Tests.Cli;
using Tood.Tests.Data;
using Xunit;
using Xunit.Abstractions;

namespace Tood.Tests.Realtime.Samples;

/// <summary>
/// The person detector the quickstart ships (samples/tood_r18_person.onnx, samples/make_person_model.sh: r18mlnet from
/// the ImageNet ResNet-18 package, fine-tuned on capston2-person and coco128 train2017 persons) and its int8 file for CPUs
/// (samples/tood_r18_person.int8.onnx, what the quickstart runs) on the real camera video they annotate, at frames
/// labelled by hand, and scored by <c>tood-live val</c> on coco128 val2017 (never used in training or calibration).
/// </summary>
public class ShippedPersonModelTests(ITestOutputHelper output)
{
    // ---- What the shipped file must do. A retrained samples/tood_r18_person.onnx updates these numbers, here only. ----

    /// <summary>COCO AP50 and AP (IoU .50:.95) of the shipped files on coco128 val2017 persons as <c>tood-live val</c>
    /// measures them (BENCHMARKS.md §15); the test prints what it measured. The int8 file must stay this close too.</summary>
    private const double ExpectedAp50 = 0.363, ExpectedAp = 0.165;

    /// <summary>
    /// The relative band around <see cref="ExpectedAp50"/> and <see cref="ExpectedAp"/>. The file keeps weights and
    /// activations in float16, and where ONNX Runtime rounds them depends on the float16 kernels the CPU has, which
    /// moves scores and boxes by float16's ~1e-3 and AP on 350 boxes by a few per cent (another CPU's AP50 was 7 % off,
    /// commit 81a7979). 20 % leaves room for that several times over and still fails a model that lost a fifth of its
    /// accuracy (a preprocessing or decoding fault costs far more).
    /// </summary>
    private const double ApBand = 0.20;

    /// <summary>Frame 300 of the person video: one man at the table, his box drawn by hand on the frame.</summary>
    private static readonly (double X1, double Y1, double X2, double Y2) Man = (382, 5, 542, 385);

    /// <summary>The man's best box: at least this score and this IoU with the hand-drawn box.</summary>
    private const float ManMinScore = 0.5f;
    private const double ManMinIou = 0.7;

    /// <summary>Frame 50, the empty room (a table, a window): no box scores this much.</summary>
    private const float EmptyRoomMaxScore = 0.2f;

    /// <summary>The quickstart's <c>--conf</c>: at it, exactly one box on the man.</summary>
    private const float QuickstartConf = 0.4f;

    public const string Fp16File = "tood_r18_person.onnx", Int8File = "tood_r18_person.int8.onnx";

    private static string Sample(string file) => RepoPaths.Path("samples", file);

    [Theory]
    [InlineData(Fp16File)]
    [InlineData(Int8File)]
    public void Finds_the_man_at_frame_300_and_nobody_in_the_empty_room_at_frame_50(string file)
    {
        using var detector = Detector.Load(Sample(file), new DetectorOptions { Device = DeviceSpec.Cpu });
        Assert.Equal(["person"], detector.ClassNames);
        detector.DecodeOptions = detector.DecodeOptions with { ScoreThreshold = 0.05f };
        var frames = ReadFrames(SharedData.PersonVideo, 50, 300);
        try
        {
            var empty = detector.Detect(frames[0]);
            output.WriteLine($"{file} frame 50: {Describe(empty)}");
            Assert.True(empty.All(d => d.Score < EmptyRoomMaxScore), $"empty room: {Describe(empty)}");

            var man = detector.Detect(frames[1]).OrderByDescending(d => d.Score).ToList();
            output.WriteLine($"{file} frame 300: {Describe(man)}; IoU of the best with the hand-drawn box {(man.Count > 0 ? Iou(man[0], Man) : 0):0.000}");
            Assert.NotEmpty(man);
            Assert.True(man[0].Score >= ManMinScore, $"frame 300: {Describe(man)}");
            Assert.InRange(Iou(man[0], Man), ManMinIou, 1.0);
            Assert.Single(man, d => d.Score >= QuickstartConf);
        }
        finally { foreach (var f in frames) f.Dispose(); }
    }

    /// <summary>
    /// The shipped file's COCO stats on coco128 val2017 persons, as <c>tood-live val</c> prints them (BENCHMARKS.md §8).
    /// The bars (<see cref="ApBand"/> around the expected values) leave room for another CPU's float rounding.
    /// </summary>
    [Theory]
    [InlineData(Fp16File)]
    [InlineData(Int8File)]
    public async Task Tood_live_val_scores_the_shipped_file_on_coco128_val2017(string file)
    {
        using var dir = new TempDir();
        var r = await CliRun.Live("val", "--model", Sample(file), "--data", Path.Combine(SharedData.Coco128, "data.yaml"), "--split", "val",
            "--device", "cpu", "--json", dir["val.json"]);
        Assert.True(r.Code == 0, r.Err);
        var report = ValidationReport.FromJson(File.ReadAllText(dir["val.json"]));
        output.WriteLine($"{file}: AP50 {report.Stats.AP50:0.0000} (expected {ExpectedAp50}), AP {report.Stats.AP:0.0000} (expected {ExpectedAp})");

        // What was evaluated, counted from the dataset itself: every val2017 image, every person box (class 0) in its labels.
        var (images, persons) = Coco128ValPersons();
        Assert.Equal(images, report.Images);
        Assert.Equal(["person"], report.Classes.Evaluated.Select(c => c.Name));
        Assert.Equal(persons, Assert.Single(report.PerClass).NumGt);
        var confusion = Assert.Single(report.Confusion.Classes);
        Assert.Equal(persons, confusion.Gt);
        Assert.Equal(persons, confusion.Correct + confusion.Mislabelled + confusion.Missed); // each box found, mislabelled or missed

        Assert.True(report.Stats.AP <= report.Stats.AP50, $"AP {report.Stats.AP} > AP50 {report.Stats.AP50}"); // stricter IoUs only lower it
        Assert.InRange(report.Stats.AP50, ExpectedAp50 * (1 - ApBand), ExpectedAp50 * (1 + ApBand));
        Assert.InRange(report.Stats.AP, ExpectedAp * (1 - ApBand), ExpectedAp * (1 + ApBand));
    }

    /// <summary>coco128's val2017 images and the person boxes (YOLO class 0) in their label files.</summary>
    private static (int Images, int Persons) Coco128ValPersons()
    {
        int images = Directory.GetFiles(Path.Combine(SharedData.Coco128, "images", "val2017"), "*.jpg").Length;
        int persons = Directory.GetFiles(Path.Combine(SharedData.Coco128, "labels", "val2017"), "*.txt")
            .SelectMany(File.ReadLines).Count(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["0", ..]);
        return (images, persons);
    }

    /// <summary>The int8 file is the quantization of the fp16 file beside it: replacing tood_r18_person.onnx without
    /// regenerating the int8 file fails here, with the one command that does it.</summary>
    [Fact]
    public void Int8_file_is_the_quantization_of_the_shipped_fp16_file()
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Sample(Int8File));
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("int8", meta[ModelContract.Keys.Precision]);
        Assert.True(meta[ModelContract.Keys.QuantizedFrom] == $"{Fp16File} sha256={Tood.Train.Export.Quantize.Int8Quantizer.Sha256(Sample(Fp16File))}",
            $"samples/{Int8File} was quantized from another {Fp16File} ({meta[ModelContract.Keys.QuantizedFrom]}); regenerate it: INT8_ONLY=1 samples/make_person_model.sh");
        Assert.Contains("data.yaml (train)", meta[ModelContract.Keys.Calibration], StringComparison.Ordinal);
    }

    private static Mat[] ReadFrames(string video, params int[] indices)
    {
        using var capture = new VideoCapture(video);
        var found = new List<Mat>();
        using var mat = new Mat();
        for (int i = 0; found.Count < indices.Length && capture.Read(mat) && !mat.Empty(); i++)
            if (indices.Contains(i)) found.Add(mat.Clone());
        Assert.Equal(indices.Length, found.Count);
        return [.. found];
    }

    private static double Iou(Detection d, (double X1, double Y1, double X2, double Y2) box)
    {
        var (x1, y1, x2, y2) = box;
        double iw = Math.Max(0, Math.Min(d.X2, x2) - Math.Max(d.X1, x1)), ih = Math.Max(0, Math.Min(d.Y2, y2) - Math.Max(d.Y1, y1));
        double inter = iw * ih;
        return inter / ((d.X2 - d.X1) * (d.Y2 - d.Y1) + (x2 - x1) * (y2 - y1) - inter);
    }

    private static string Describe(IEnumerable<Detection> ds) =>
        string.Join("; ", ds.Take(5).Select(d => $"{d.Score:0.000} ({d.X1:0},{d.Y1:0},{d.X2:0},{d.Y2:0})"));
}
