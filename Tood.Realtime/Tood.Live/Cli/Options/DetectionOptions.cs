using System.CommandLine;
using System.Globalization;
using Tood.CommandLine;
using Tood.Realtime.Postprocess;

namespace Tood.Live.Cli.Options;

/// <summary><c>--conf</c>, <c>--iou</c>, <c>--max-det</c>, <c>--classes</c>: what the decoder keeps.</summary>
/// <param name="classesDescription">help of --classes where it means more than the decoder's filter (tood-live val).</param>
internal sealed class DetectionOptions(double defaultConf = 0.25, string? classesDescription = null)
{
    public Option<double> Conf { get; } = CliOptions.Number("--conf", "T", "score threshold (COCO evaluation uses 0.05)", defaultConf, 0, 1);
    public Option<double> Iou { get; } = CliOptions.Number("--iou", "T", "class-aware NMS IoU threshold", 0.6, 0, 1);
    public Option<int> MaxDet { get; } = CliOptions.Int("--max-det", "N", "detections kept per frame", 100, min: 1);
    public Option<string[]> Classes { get; } = CliOptions.List("--classes", "a,b",
        classesDescription ?? "only these classes, by name or index (e.g. person,car or 0,2)", "--classes needs at least one class name or index");

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Conf);
        command.Options.Add(Iou);
        command.Options.Add(MaxDet);
        command.Options.Add(Classes);
    }

    /// <summary>Thresholds only: the classes need the model's names (<see cref="ResolveClasses"/>).</summary>
    /// <param name="baseline">the settings not given by these options (default: deployment's, boxes clipped).</param>
    public DecodeOptions Read(ParseResult parse, DecodeOptions? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return (baseline ?? new DecodeOptions()) with
        {
            ScoreThreshold = (float)parse.GetValue(Conf), IouThreshold = (float)parse.GetValue(Iou), MaxDetections = parse.GetValue(MaxDet),
        };
    }

    /// <summary>Maps --classes entries (names or indices) to class indices of a model; null when not given.</summary>
    public HashSet<int>? ResolveClasses(ParseResult parse, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(names);
        return parse.GetValue(Classes) is { Length: > 0 } items ? ResolveClasses(items, names) : null;
    }

    internal static HashSet<int> ResolveClasses(IReadOnlyList<string> items, IReadOnlyList<string> names)
    {
        var set = new HashSet<int>();
        foreach (var raw in items)
        {
            var item = raw.Trim();
            int idx = -1;
            for (int i = 0; i < names.Count; i++) if (string.Equals(names[i], item, StringComparison.OrdinalIgnoreCase)) { idx = i; break; }
            if (idx < 0 && int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) idx = n < names.Count ? n : -2;
            if (idx < 0)
                throw new UsageException($"--classes: '{item}' is not a class of this model ({names.Count} classes: {string.Join(",", names.Take(10))}{(names.Count > 10 ? ",..." : "")})");
            set.Add(idx);
        }
        return set;
    }
}
