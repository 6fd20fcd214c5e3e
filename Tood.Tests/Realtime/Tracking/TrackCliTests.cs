using System.Text.Json;
using Tood.Realtime.Mot;
using Tood.Tests.Cli;
using Tood.Tests.Realtime;
using Tood.Tests.Realtime.Fixtures;
using Tood.Train.Data.Synth;
using Tood.Tests.Realtime.Samples;
using Xunit;

namespace Tood.Tests.Realtime.Tracking;

/// <summary><c>tood-live --track</c>: flags, their checks, and the outputs of a real run.</summary>
[Collection(RealtimeCollection.Name)]
public class TrackCliTests(RealtimeFixture fx)
{
    private static Task<CliRun.Result> Run(params string[] args) => CliRun.Live(args);

    [Fact]
    public async Task Track_run_writes_ids_to_every_output_and_lowers_the_score_threshold()
    {
        // The shipped model on 25 frames of moving shapes (bounce scene: the same shapes throughout).
        string video = fx.PathFor("track_cli_in.mp4"), mot = fx.PathFor("track_cli.txt"), json = fx.PathFor("track_cli.jsonl"),
            csv = fx.PathFor("track_cli.csv"), mp4 = fx.PathFor("track_cli.mp4");
        var truth = SynthVideo.Write(new SynthGenerator(4242, 320, 256), video, 25);
        var (code, stdout, err) = await Run("--source", video, "--model", SampleModelAccuracyTests.SampleModelPath, "--device", "cpu", "--track", "--trails", "10",
            "--save-mot", mot, "--save-json", json, "--save-csv", csv, "--output", mp4);
        Assert.True(code == 0, err);
        Assert.Contains("tracking: ByteTrack, detections ≥ 0.1 (high ≥ 0.5), lost tracks kept 25 frames, any class", err);   // 30 at 30 fps → 25 at 25 fps
        Assert.Contains($"save-mot: {mot}", stdout);
        var rows = MotFile.Read(mot);
        var m = MotAccumulator.Evaluate(truth.Tracks, rows);
        Assert.True(m.Mota >= 0.6 && m.IdSwitches <= 2, m.ToString());
        Assert.All(rows.GroupBy(r => r.Frame), f => Assert.Equal(f.Count(), f.Select(r => r.Id).Distinct().Count()));
        var tracked = File.ReadLines(json).Select(l => JsonDocument.Parse(l).RootElement)
            .SelectMany(f => f.GetProperty("detections").EnumerateArray()).Select(d => d.GetProperty("track_id").GetInt32()).ToList();
        Assert.Equal(rows.Count, tracked.Count);
        Assert.EndsWith(",track_id", File.ReadLines(csv).First());
        Assert.Equal((25, 320, 256), TestVideo.Probe(mp4));
    }

    [Fact]
    public async Task An_explicit_conf_is_kept_with_track()
    {
        var (code, _, err) = await Run("--source", fx.Video, "--model", fx.Model, "--device", "cpu", "--track", "--conf", "0.4", "--track-buffer", "60", "--track-per-class");
        Assert.True(code == 0, err);
        Assert.Contains("tracking: ByteTrack, detections ≥ 0.4 (high ≥ 0.5), lost tracks kept 48 frames, per class", err);   // 60 at 30 fps → 48 at 24 fps
    }

    [Theory]
    [InlineData("--save-mot needs --track", "--save-mot", "t.txt")]
    [InlineData("--trails needs --track", "--trails", "5")]
    [InlineData("--track-buffer needs --track", "--track-buffer", "10")]
    [InlineData("--trails must be 0 or ≥ 2, got 1", "--track", "--trails", "1")]
    [InlineData("--track-buffer must be ≥ 0, got -1", "--track", "--track-buffer", "-1")]
    public async Task Tracking_flags_are_checked(string message, params string[] extra)
    {
        var (code, _, err) = await Run([.. new[] { "--source", fx.Video, "--model", fx.Model }, .. extra]);
        Assert.Equal(2, code);
        Assert.Contains($"tood-live: error: {message} (see tood-live --help)", err);
    }

    [Fact]
    public async Task Mot_eval_prints_the_metrics_and_names_a_bad_line()
    {
        // The hand-computed switch case of MotMetricsTests: one object, handed from track 7 to track 8 at frame 3.
        string gt = fx.PathFor("eval_gt.txt"), tracks = fx.PathFor("eval_t.txt"), bad = fx.PathFor("eval_bad.txt");
        File.WriteAllLines(gt, ["1,1,10,0,10,10,1,1,1", "2,1,20,0,10,10,1,1,1", "3,1,30,0,10,10,1,1,1", "4,1,40,0,10,10,1,1,1"]);
        File.WriteAllLines(tracks, ["1,7,10,0,10,10,0.9,-1,-1,-1", "2,7,20,0,10,10,0.9,-1,-1,-1", "3,8,30,0,10,10,0.9,-1,-1,-1", "4,8,40,0,10,10,0.9,-1,-1,-1"]);
        var (code, stdout, err) = await Run("mot-eval", "--gt", gt, "--tracks", tracks);
        Assert.True(code == 0, err);
        Assert.StartsWith("MOTA 75.0 %  IDF1 50.0 %  IDSW 1  FN 0  FP 0", stdout);

        File.WriteAllLines(bad, ["1,7,10,0,10,10,0.9,-1,-1,-1", "2,x,20,0,10,10"]);
        (code, _, err) = await Run("mot-eval", "--gt", gt, "--tracks", bad);
        Assert.Equal(1, code);
        Assert.Contains($"tood-live mot-eval: error: {bad}:2: expected frame,id,left,top,width,height", err);
    }
}
