using System.CommandLine;
using Tood.CommandLine;
using Tood.Realtime.Mot;

namespace Tood.Live.Cli;

/// <summary><c>tood-live mot-eval --gt gt.txt --tracks t.txt</c>: CLEAR MOT and identity metrics of a MOT results file.</summary>
internal sealed class MotEvalCommand : ToolCommand, IHelpText
{
    private readonly Option<string> _gt = CliOptions.RequiredText("--gt", "gt.txt", "ground truth, MOT Challenge gt.txt (frame,id,x,y,w,h,flag,class,visibility; flag 0 = not scored)");
    private readonly Option<string> _tracks = CliOptions.RequiredText("--tracks", "T.txt", "tracker output, MOT Challenge rows (tood-live --track --save-mot)");
    private readonly Option<double> _iou = CliOptions.Number("--iou", "T", "IoU at which a track box matches a ground-truth box", 0.5, 0.01, 1);

    public MotEvalCommand() : base("mot-eval", "score tracks against MOT ground truth: MOTA, IDF1, ID switches")
    {
        Options.Add(_gt);
        Options.Add(_tracks);
        Options.Add(_iou);
    }

    public string Epilog => """
        Class-agnostic, IoU ≥ --iou. CLEAR MOT as py-motmetrics: an object keeps the track it was last matched with
        while they still overlap; the rest are matched for most pairs at least total 1 − IoU; a new partner is an ID
        switch. MOTA = 1 − (FN + FP + IDSW) / GT. IDF1 from the best one-to-one mapping of IDs over the whole
        sequence. Track boxes on ground truth flagged 0 are dropped with it.
        """;

    protected override Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        var gt = MotFile.Read(parse.GetRequiredValue(_gt));
        var tracks = MotFile.Read(parse.GetRequiredValue(_tracks));
        console.Out.WriteLine(MotAccumulator.Evaluate(gt, tracks, (float)parse.GetValue(_iou)).ToString());
        return Task.FromResult(ExitCodes.Ok);
    }
}
