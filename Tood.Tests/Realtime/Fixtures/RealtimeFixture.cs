using Tood.Tests.Export;
using Tood.Train.Export;
using Tood.Train.Model;
using TorchSharp;
using Xunit;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>
/// Shared files for the realtime tests: a contract-honouring ONNX model (<see cref="ContractModelBuilder"/>),
/// its broken variants, and a 48-frame 320×240 test video. Created once per test collection in a temp dir.
/// </summary>
public sealed class RealtimeFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("tood-live-tests-").FullName;
    public string Model { get; }
    public string ModelNoMetadata { get; }
    public string ModelWrongInput { get; }
    public string Video { get; }
    public const int VideoFrames = 48, VideoWidth = 320, VideoHeight = 240;

    public RealtimeFixture()
    {
        Model = Path.Combine(Dir, "colour.onnx");
        ContractModelBuilder.Write(Model);
        ModelNoMetadata = Path.Combine(Dir, "nometa.onnx");
        ContractModelBuilder.Write(ModelNoMetadata, variant: ContractModelBuilder.Variant.NoMetadata);
        ModelWrongInput = Path.Combine(Dir, "nchw.onnx");
        ContractModelBuilder.Write(ModelWrongInput, variant: ContractModelBuilder.Variant.FloatNchwInput);
        _tiny = new Lazy<string>(() => ExportTiny(256));
        _tiny640 = new Lazy<string>(() => ExportTiny(640));
        Video = Path.Combine(Dir, "clip.mp4");
        TestVideo.Write(Video, VideoFrames, VideoWidth, VideoHeight);
    }

    private readonly Lazy<string> _tiny, _tiny640;

    /// <summary>
    /// A real TOOD graph: the <c>tiny</c> preset with random weights (seeded), exported by Tood.Train's
    /// <see cref="ToodOnnxExporter"/> at 256×256 with a dynamic batch, 3 classes. Built on first use.
    /// </summary>
    public string TinyModel => _tiny.Value;

    /// <summary>The same real TOOD graph exported at 640×640: several times the work of a 256 run, so a
    /// paced video at a few tens of fps comes faster than the model (live-mode tests).</summary>
    public string TinyModel640 => _tiny640.Value;

    private string ExportTiny(int size)
    {
        var path = Path.Combine(Dir, $"tiny_random_{size}.onnx");
        torch.manual_seed(7);
        using var model = ToodDetector.Create("tiny", 3);
        ExportTestSupport.Randomize(model, 7);
        model.eval();
        var meta = ExportTestSupport.Meta(model, size, size);
        ToodOnnxExporter.Export(model, meta, new ExportOptions { InputWidth = size, InputHeight = size }, path);
        return path;
    }

    public string PathFor(string name) => Path.Combine(Dir, name);

    /// <summary>The clip re-encoded as H.264 in MPEG-TS (streamable) with a keyframe every 6 frames, so a receiver
    /// joining mid-stream starts quickly; <paramref name="loops"/> copies back to back. For network-source tests.</summary>
    public string ClipH264Ts(int loops = 1)
    {
        var ts = PathFor($"clip_h264_x{loops}.ts");
        lock (_clipLock)
        {
            if (!File.Exists(ts))
                FfmpegCli.Run("ffmpeg", ["-v", "error", "-y", "-stream_loop", $"{loops - 1}", "-i", Video, "-c:v", "libx264", "-preset", "ultrafast", "-g", "6", "-f", "mpegts", ts]);
        }
        return ts;
    }

    private readonly object _clipLock = new();

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

// Not run in parallel with other collections: the live-mode tests need the model to fall behind its source, and
// whether it does should depend on the machine, not on what other collections run beside it.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealtimeCollection : ICollectionFixture<RealtimeFixture>
{
    public const string Name = "realtime";
}
