using System.CommandLine;
using Tood.CommandLine;
using Tood.Realtime.Video;

namespace Tood.Live.Cli.Options;

/// <summary><c>--codec auto|h264|hevc|mp4v</c>: the encoder of the annotated mp4 (tood-live and its bench).</summary>
internal sealed class CodecOption(string description)
{
    public Option<string> Option { get; } = CliOptions.Choice("--codec", description, "auto", "auto", "h264", "hevc", "mp4v");

    public VideoCodec Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return VideoCodecs.Parse(parse.GetValue(Option)!);
    }
}
