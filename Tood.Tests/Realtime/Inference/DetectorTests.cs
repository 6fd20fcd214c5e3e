using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Realtime.Postprocess;
using Tood.Tests.Realtime.Fixtures;
using Xunit;

namespace Tood.Tests.Realtime.Inference;

[Collection(RealtimeCollection.Name)]
public class DetectorTests(RealtimeFixture fx)
{
    [Fact]
    public void Loads_metadata_and_runs_on_cpu()
    {
        using var det = Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu });
        Assert.Equal(["red", "green", "blue"], det.ClassNames);
        Assert.Equal((256, 256), (det.Model.InputWidth, det.Model.InputHeight));
        Assert.Equal(DeviceKind.Cpu, det.Device.Kind);
        Assert.Equal([1024, 256, 64, 16, 4], det.Engine.LevelSizes);
    }

    [Fact]
    public void Raw_outputs_match_hand_computed_values_through_letterbox_and_ort()
    {
        using var det = Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu });
        // 320×240 pure red → scale 0.8, image rows 0..191, padding rows 192..255 (BGR 104,116,124).
        using var red = new Mat(240, 320, MatType.CV_8UC3, new Scalar(0, 0, 255));
        var engine = det.Engine;
        var slot = engine.Rent();
        try
        {
            slot.Load([red], 0, 1, new Letterbox[1]);
            engine.Run(slot);
            var s = slot.Scores(0);
            var b = slot.Boxes(0);
            static float Sig(double x) => (float)(1 / (1 + Math.Exp(-x)));
            // P3 anchor (i=0,j=0): pooled colour (0,0,255) → red logit 0.1·255 − 6 = 19.5, green/blue −0.05·255 − 6 = −18.75
            Assert.Equal(Sig(19.5), s[0], 4);
            Assert.Equal(Sig(-18.75), s[1], 6);
            // P3 anchor (i=30,j=5) lies in the padding: red logit −0.05·104 − 0.05·116 + 0.1·124 − 6 = −4.6
            int a = 30 * 32 + 5;
            Assert.Equal(Sig(-4.6), s[a * 3], 4);
            // its box: centre (40,240), half = 8 + 16·max score
            float half = 8 + 16 * Math.Max(s[a * 3], Math.Max(s[a * 3 + 1], s[a * 3 + 2]));
            Assert.Equal([40 - half, 240 - half, 40 + half, 240 + half], b.Slice(a * 4, 4).ToArray());
        }
        finally { engine.Return(slot); }
    }

    [Fact]
    public void Detects_each_coloured_rectangle_near_its_position()
    {
        using var det = Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu });
        using var frame = TestVideo.Frame(10);
        var d = det.Detect(frame);
        // Rectangles (x, y, w, h): red (30,24,64,60), green (226,96,64,60), blue (106,160,74,50)
        (string Name, float Cx, float Cy)[] truth = [("red", 62, 54), ("green", 258, 126), ("blue", 143, 185)];
        foreach (var (name, cx, cy) in truth)
        {
            var best = d.Where(x => x.ClassName == name).OrderByDescending(x => x.Score).First();
            Assert.True(best.Score > 0.9f, $"{name} score {best.Score}");
            // The test model's boxes are centred on the anchor point (cell top-left): within one P4/P5 cell of the truth.
            Assert.InRange((best.X1 + best.X2) / 2, cx - 40, cx + 40);
            Assert.InRange((best.Y1 + best.Y2) / 2, cy - 40, cy + 40);
            Assert.InRange(best.X1, 0, 320);
            Assert.InRange(best.Y2, 0, 240);
        }
        Assert.All(d, x => Assert.True(x.Score > 0.25f));
        Assert.True(d.Count <= 100);
    }

    [Fact]
    public void Batched_detect_equals_one_by_one()
    {
        using var single = Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu });
        using var batched = Detector.Load(fx.Model, new DetectorOptions { Device = DeviceSpec.Cpu, MaxBatch = 4 });
        var frames = Enumerable.Range(0, 6).Select(i => TestVideo.Frame(i * 7)).ToList();
        try
        {
            var b = batched.Detect(frames);
            Assert.Equal(6, b.Count);
            for (int i = 0; i < frames.Count; i++) Assert.Equal(single.Detect(frames[i]), b[i]);
        }
        finally { frames.ForEach(f => f.Dispose()); }
    }

    [Fact]
    public void Model_without_tood_metadata_is_rejected_with_a_clear_message()
    {
        var e = Assert.Throws<ModelContractException>(() => Detector.Load(fx.ModelNoMetadata, new DetectorOptions { Device = DeviceSpec.Cpu }));
        Assert.Equal("model nometa.onnx has no Tood metadata (tood.format_version missing); export it with 'tood-train export'", e.Message);
    }

    [Fact]
    public void Model_with_wrong_input_is_rejected_with_a_clear_message()
    {
        var e = Assert.Throws<ModelContractException>(() => Detector.Load(fx.ModelWrongInput, new DetectorOptions { Device = DeviceSpec.Cpu }));
        Assert.Equal("model nchw.onnx: input 'images' must be uint8 [N,256,256,3] (letterboxed BGR), got float [?,3,256,256]", e.Message);
    }

    [Fact]
    public void Non_onnx_file_is_rejected()
    {
        var path = fx.PathFor("garbage.onnx");
        File.WriteAllText(path, "this is not a model");
        var e = Assert.Throws<ModelContractException>(() => Detector.Load(path, new DetectorOptions { Device = DeviceSpec.Cpu }));
        Assert.StartsWith("model garbage.onnx is not a readable ONNX file", e.Message);
    }
}
