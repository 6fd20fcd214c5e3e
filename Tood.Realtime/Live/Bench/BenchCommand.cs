using System.Text.Json;
using Tood.CommandLine;
using Tood.Live.Cli;
using Tood.Realtime.Inference;
using Tood.Realtime.Video;

namespace Tood.Live.Bench;

/// <summary><c>tood-live bench</c>: parse options, run <see cref="BenchRunner"/>, print the table, write the JSON.</summary>
public static class BenchCommand
{
    public const string Help = """
        tood-live bench — how close the video pipeline gets to the model's own speed (one process)

        usage: tood-live bench --model M.onnx --source VIDEO [--batch N] [--frames F] [--json OUT.json] [--device D]
                               [--cpu-runs N] [--cpu-threads N] [--cpu-spin on|off] [--no-opencv-dnn]

          --model M.onnx     model exported by 'tood-train export'
          --source VIDEO     video file (decoded by OpenCV; the first F frames are used)
          --batch N          frames per model run in every mode (default 1)
          --frames F         frames (images) per mode (default 100)
          --json OUT.json    also write the report as JSON
          --device D         auto | cpu (default) | dml[:adapter] | cuda[:id]
          --cpu-runs N       CPU provider: runs in flight in the pipeline and raw modes (default: one per core)
          --cpu-threads N    CPU provider: ORT intra-op threads per run (default 1)
          --cpu-spin on|off  CPU provider: idle ORT threads spin-wait (default off)
                             (defaults = tood-live's file mode; the raw and naive baselines are also measured
                             with ORT's defaults and with one run on every core, spin-waiting)
          --no-opencv-dnn    skip the OpenCV DNN comparison
        modes: raw session.Run on pre-filled buffers (the limit), VideoPipeline (file mode, mp4 written to a
        temp dir), a naive single-thread loop of the same steps, OpenCV DNN (or why it cannot run the model).
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        BenchOptions o;
        string? json;
        try
        {
            if (args.Contains("-h") || args.Contains("--help")) { stdout.Write(Help); return LiveCommand.ExitOk; }
            (o, json) = Parse(args, m => stderr.WriteLine($"tood-live bench: {m}"));
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"tood-live bench: error: {e.Message} (see tood-live bench --help)");
            return LiveCommand.ExitUsage;
        }
        try
        {
            var report = await BenchRunner.RunAsync(o, ct);
            stdout.Write(report.ToTable());
            if (json is not null)
            {
                await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), ct);
                stdout.WriteLine($"json: {Path.GetFullPath(json)}");
            }
            return LiveCommand.ExitOk;
        }
        catch (Exception e) when (e is FileNotFoundException or VideoSourceException or ModelContractException
                                      or ExecutionProviderUnavailableException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"tood-live bench: error: {e.Message}");
            return LiveCommand.ExitError;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { return LiveCommand.ExitInterrupted; }
    }

    internal static (BenchOptions Options, string? Json) Parse(string[] args, Action<string>? log)
    {
        var p = new ArgParser(args, new HashSet<string>(["no-opencv-dnn"]));
        if (p.Positionals.Count > 0) throw new UsageException($"unexpected argument '{p.Positionals[0]}'");
        string model = p.Required("model"), source = p.Required("source");
        int batch = p.Int("batch", 1), frames = p.Int("frames", 100);
        if (batch < 1) throw new UsageException($"--batch must be ≥ 1, got {batch}");
        if (frames < 1) throw new UsageException($"--frames must be ≥ 1, got {frames}");
        DeviceSpec device;
        try { device = DeviceSpec.Parse(p.String("device", "cpu")!); }
        catch (FormatException e) { throw new UsageException(e.Message); }
        var json = p.String("json");
        bool noDnn = p.Flag("no-opencv-dnn");
        var cpu = CpuThreadingArgs.Parse(p).Or(CpuThreading.ForMode(live: false));
        p.ThrowOnUnknown();
        return (new BenchOptions { Model = model, Source = source, Batch = batch, Frames = frames, Device = device, Cpu = cpu, SkipOpenCvDnn = noDnn, Log = log }, json);
    }
}
