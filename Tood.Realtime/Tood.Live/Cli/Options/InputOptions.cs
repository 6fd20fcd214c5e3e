using System.CommandLine;
using System.Globalization;
using Tood.CommandLine;
using Tood.Realtime.Video;

namespace Tood.Live.Cli.Options;

/// <summary>
/// tood-live's input options besides <c>--camera</c>/<c>--source</c>: <c>--realtime</c>, <c>--reconnect N</c> and the
/// camera mode <c>--width --height --fps --fourcc --backend</c>, read as <see cref="SourceOptions"/>. Each only makes
/// sense for one kind of input; the validator says so in one line.
/// </summary>
internal sealed class InputOptions
{
    public Option<bool> Realtime { get; } = CliOptions.Flag("--realtime", "replay the file at its own frame rate as if it were a camera (live mode)");
    public Option<int> Reconnect { get; } = CliOptions.Int("--reconnect", "N",
        "stream URLs: reopen a failed stream up to N times in a row, after 0.5 s, 1 s, 2 s ... 8 s (0: a failed stream ends, exit code 1; with several sources the others run on)", 0, min: 0);
    public Option<int?> Width { get; } = CliOptions.OptionalInt("--width", "W", "camera: capture width", min: 1);
    public Option<int?> Height { get; } = CliOptions.OptionalInt("--height", "H", "camera: capture height", min: 1);
    public Option<double?> Fps { get; } = CliOptions.Value<double?>("--fps", "F", "camera: capture rate", s =>
        CliOptions.ParseNumber("--fps", s) is var v && v > 0 ? v : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"--fps must be > 0, got {s}")));
    public Option<string?> FourCC { get; } = CliOptions.Value<string?>("--fourcc", "CCCC",
        "camera: pixel format, e.g. MJPG (USB cameras need it for large sizes at full rate) or YUYV", s =>
        {
            try { new CameraMode { FourCC = s }.Validate(); }
            catch (ArgumentException e) { throw new FormatException(e.Message, e); }
            return s;
        });
    public Option<string> Backend { get; } = BackendOption();

    private static Option<string> BackendOption()
    {
        var names = CameraMode.Backends.Keys.ToArray();
        var option = CliOptions.Choice("--backend", $"camera: capture API, {string.Join(" | ", names)} (the mode the camera granted is logged)", "any", names);
        option.HelpName = "B";
        return option;
    }

    private IEnumerable<Option> CameraOptions => [Width, Height, Fps, FourCC];

    /// <summary>Adds the options and the rule that each is used with its kind of input.</summary>
    /// <param name="sourceList">--sources FILE (its entries are checked when read).</param>
    public void AddTo(Command command, Option<int?> camera, Option<string[]> source, Option<string?> sourceList)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Realtime);
        command.Options.Add(Reconnect);
        foreach (var o in CameraOptions) command.Options.Add(o);
        command.Options.Add(Backend);
        command.Validators.Add(r =>
        {
            bool isCamera = r.GetResult(camera) is not null;
            string[] src = r.GetResult(source) is null ? [] : r.GetValue(source) ?? [];
            if (!isCamera && CameraOptions.Append(Backend).FirstOrDefault(o => r.GetResult(o) is not null) is { } cam)
                r.AddError($"{cam.Name} is a camera option; use it with --camera");
            else if (isCamera && r.GetResult(Realtime) is not null)
                r.AddError("--realtime replays a file as if it were a camera; a camera is live already");
            else if (r.GetValue(Reconnect) > 0 && r.GetResult(sourceList) is null && !src.Any(VideoCaptureSource.IsUrl))
                r.AddError("--reconnect is for stream URLs (rtsp://, http://, udp://, ...); a file or camera is not reconnected");
        });
    }

    public SourceOptions Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new SourceOptions
        {
            Realtime = parse.GetValue(Realtime),
            Reconnect = parse.GetValue(Reconnect),
            Camera = new CameraMode
            {
                Width = parse.GetValue(Width), Height = parse.GetValue(Height), Fps = parse.GetValue(Fps), FourCC = parse.GetValue(FourCC),
                Backend = CameraMode.ParseBackend(parse.GetValue(Backend)!),
            },
        };
    }
}
