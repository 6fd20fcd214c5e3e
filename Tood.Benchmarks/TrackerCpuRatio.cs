using System.Diagnostics;
using System.Globalization;

namespace Tood.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Tood.Benchmarks -- tracker-cpu-ratio</c>: the <see cref="TrackerBenchmark"/>
/// scenarios and the NMS benchmark interleaved in one process, timed by process CPU time. On a shared machine the
/// wall-clock means drift with the load; the ratio of the two CPU times does not, so a tracker cost can be carried
/// over to the idle machine's NMS figure (BENCHMARKS.md §9).
/// </summary>
public static class TrackerCpuRatio
{
    public static void Run()
    {
        var nms = new NmsBenchmark();
        nms.Setup();
        var inv = CultureInfo.InvariantCulture;
        foreach (int objects in new[] { 10, 100, 300 })
        {
            var tracker = new TrackerBenchmark { Objects = objects };
            tracker.Setup();
            int reps = objects >= 300 ? 5 : 30;
            double trackerUs = CpuMicroseconds(() => tracker.Track(), reps) / (reps * 300.0);
            double nmsUs = CpuMicroseconds(() => nms.Nms_1000_candidates(), 2000) / 2000;
            Console.WriteLine(string.Create(inv, $"{objects} objects: tracker {trackerUs:0.0} µs CPU per frame, NMS-1000 {nmsUs:0.0} µs CPU, ratio {trackerUs / nmsUs:0.000}"));
        }
    }

    private static double CpuMicroseconds(Func<int> body, int reps)
    {
        for (int i = 0; i < 3; i++) body();
        using var p = Process.GetCurrentProcess();
        var start = p.TotalProcessorTime;
        for (int i = 0; i < reps; i++) body();
        p.Refresh();
        return (p.TotalProcessorTime - start).TotalMilliseconds * 1000;
    }
}
