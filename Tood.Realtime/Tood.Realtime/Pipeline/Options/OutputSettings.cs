using Tood.Realtime.Sinks;
using Tood.Realtime.Video;
using Tood.Realtime.Video.Ffmpeg;

namespace Tood.Realtime.Pipeline;

/// <summary>
/// What a run writes. Each path is a pattern resolved per stream (<see cref="Resolve"/>, <see cref="StreamOutputs"/>):
/// with several sources it needs <c>{i}</c> or <c>{name}</c>.
/// </summary>
public sealed record OutputSettings
{
    /// <summary>Annotated video (.mp4 at the source size) — or, for image input, the folder that gets each annotated
    /// image under its own name (<see cref="IFrameSource.OpenAnnotatedOutput"/>); null = none.</summary>
    public string? Video { get; init; }
    /// <summary>Encoder of <see cref="Video"/>: H.264 through ffmpeg by default, mp4v through OpenCV without ffmpeg.</summary>
    public VideoCodec Codec { get; init; } = VideoCodec.Auto;
    /// <summary>The ffmpeg tool for network sources and H.264/HEVC output; null = not installed (OpenCV fallbacks, logged).</summary>
    public FfmpegTool? Ffmpeg { get; init; } = FfmpegTool.Find();
    /// <summary>One JSON object per frame (<see cref="JsonlSink"/>).</summary>
    public string? Jsonl { get; init; }
    /// <summary>One row per detection (<see cref="CsvSink"/>).</summary>
    public string? Csv { get; init; }
    /// <summary>COCO results JSON (<see cref="CocoResultsSink"/>).</summary>
    public string? Coco { get; init; }
    /// <summary>The ids <see cref="Coco"/> is written with; null = <see cref="CocoResultIds.FileOrder"/>.</summary>
    public CocoResultIds? CocoIds { get; init; }
    /// <summary>Tracks in MOT Challenge format (<see cref="MotSink"/>; needs tracking).</summary>
    public string? Mot { get; init; }

    /// <summary>Every stream's output paths, computed once per run, in the order of <paramref name="sourceNames"/>.</summary>
    /// <exception cref="ArgumentException">several sources and a path without {i}/{name}, or two streams mapped to one file (naming the setting).</exception>
    public IReadOnlyList<StreamPaths> Resolve(IReadOnlyList<string> sourceNames)
    {
        IReadOnlyList<string>? For(string? pattern, string name) => StreamOutputs.ForStreams(pattern, name, sourceNames);
        var video = For(Video, nameof(Video));
        var jsonl = For(Jsonl, nameof(Jsonl));
        var csv = For(Csv, nameof(Csv));
        var coco = For(Coco, nameof(Coco));
        var mot = For(Mot, nameof(Mot));
        return [.. sourceNames.Select((_, k) => new StreamPaths(video?[k], jsonl?[k], csv?[k], coco?[k], mot?[k]))];
    }
}

/// <summary>One stream's output files (null: not written).</summary>
public sealed record StreamPaths(string? Video, string? Jsonl, string? Csv, string? Coco, string? Mot)
{
    /// <summary>The paths that are set, with the setting each comes from.</summary>
    public IEnumerable<(string Setting, string Path)> All()
    {
        if (Video is not null) yield return (nameof(Video), Video);
        if (Jsonl is not null) yield return (nameof(Jsonl), Jsonl);
        if (Csv is not null) yield return (nameof(Csv), Csv);
        if (Coco is not null) yield return (nameof(Coco), Coco);
        if (Mot is not null) yield return (nameof(Mot), Mot);
    }
}
