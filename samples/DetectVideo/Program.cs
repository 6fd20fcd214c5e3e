// Detects objects in a video with the Tood.Realtime library: first frame via Detector.Detect,
// then the whole video through the VideoPipeline (annotated mp4 + JSONL).
// usage: dotnet run --project samples/DetectVideo -- model.onnx input.mp4 [output.mp4]
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Tood.Realtime.Inference;
using Tood.Realtime.Pipeline;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: DetectVideo MODEL.onnx VIDEO [OUT.mp4]");
    return 2;
}
string model = args[0], video = args[1], output = args.Length > 2 ? args[2] : Path.ChangeExtension(video, ".det.mp4");

// The library logs through Microsoft.Extensions.Logging: any provider will do; here one line per message on stderr.
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)
    .AddConsole(o => o.LogToStandardErrorThreshold = Microsoft.Extensions.Logging.LogLevel.Trace));
using var detector = Detector.Load(model, new DetectorOptions { Device = DeviceSpec.Auto, LoggerFactory = loggers });
Console.WriteLine($"{model}: {detector.Model.NumClasses} classes, input {detector.Model.InputWidth}x{detector.Model.InputHeight}, on {detector.Device}");

using (var capture = new VideoCapture(video))
using (var frame = new Mat())
{
    if (capture.Read(frame))
        foreach (var d in detector.Detect(frame))
            Console.WriteLine($"frame 0: {d.ClassName} {d.Score:0.00} at ({d.X1:0},{d.Y1:0})-({d.X2:0},{d.Y2:0})");
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var pipeline = new VideoPipeline(detector, new VideoPipelineOptions
{
    Outputs = new() { Video = output, Jsonl = Path.ChangeExtension(output, ".jsonl") },
    LoggerFactory = loggers,
}, StreamSpec.Open(video));
RunSummary summary = await pipeline.RunAsync(cts.Token);
Console.WriteLine(summary);
return 0;
