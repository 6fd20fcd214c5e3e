using System.CommandLine;
using Tood.CommandLine;
using Tood.Realtime.Tracking;

namespace Tood.Live.Cli.Options;

/// <summary>
/// <c>--track</c>, <c>--track-buffer N</c>, <c>--track-per-class</c>, <c>--save-mot FILE</c>, <c>--trails N</c>:
/// ByteTrack after decoding (<see cref="TrackerOptions"/>); the others need <c>--track</c>.
/// </summary>
internal sealed class TrackingOptions
{
    public Option<bool> Track { get; } = CliOptions.Flag("--track",
        "follow objects across frames (ByteTrack): every output carries track IDs; --conf defaults to 0.1 so low-score boxes can continue tracks");
    public Option<int?> Buffer { get; } = CliOptions.OptionalInt("--track-buffer", "N",
        "frames a lost track is kept for re-identification, given at 30 fps and scaled to the video's rate (default 30)", min: 0);
    public Option<bool> PerClass { get; } = CliOptions.Flag("--track-per-class",
        "match tracks only with detections of the same class (default: any class, so a class flicker keeps the ID)");
    public Option<string?> SaveMot { get; } = CliOptions.Text("--save-mot", "T.txt",
        "tracks in MOT Challenge text format: frame,id,x,y,w,h,conf,-1,-1,-1 (1-based source frames)");
    public Option<int> Trails { get; } = CliOptions.Value("--trails", "N", "draw each track's last N box centres (0: none, else ≥ 2)",
        s => CliOptions.ParseInt("--trails", s, min: 0) is var n && n != 1 ? n : throw new FormatException("--trails must be 0 or ≥ 2, got 1"), () => 0);

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var o in new Option[] { Track, Buffer, PerClass, SaveMot, Trails }) command.Options.Add(o);
        command.Validators.Add(r =>
        {
            if (r.GetResult(Track) is not null) return;
            foreach (var o in new Option[] { Buffer, PerClass, SaveMot, Trails })
                if (r.GetResult(o) is { Implicit: false }) { r.AddError($"{o.Name} needs --track"); return; }
        });
    }

    /// <summary>Tracker settings, or null without <c>--track</c>. <paramref name="fps"/>: frames per second the tracker sees.</summary>
    public TrackerOptions? Read(ParseResult parse, double fps)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (!parse.GetValue(Track)) return null;
        double rate = fps > 0 && double.IsFinite(fps) ? fps : 30;
        return new TrackerOptions { ClassAware = parse.GetValue(PerClass) }.WithBufferFor(rate, parse.GetValue(Buffer) ?? 30);
    }

    /// <summary>True when <c>--track</c> is on and the user did not set <c>--conf</c>: the tracker's low threshold applies.</summary>
    public bool LowersConfidence(ParseResult parse, Option<double> conf)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Track) && parse.GetResult(conf) is null or { Implicit: true };
    }
}
