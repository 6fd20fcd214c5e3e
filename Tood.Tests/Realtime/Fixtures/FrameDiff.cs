using OpenCvSharp;
using Tood.Realtime.Video;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>Frame-by-frame picture comparisons between two decodes of a video.</summary>
internal static class FrameDiff
{
    /// <summary>Mean absolute difference per channel value (grey levels, 0–255).</summary>
    public static double MeanAbs(Mat x, Mat y)
    {
        using var d = new Mat();
        Cv2.Absdiff(x, y, d);
        var m = Cv2.Mean(d);
        return (m.Val0 + m.Val1 + m.Val2) / 3;
    }

    /// <summary>Every frame of <paramref name="source"/> (caller disposes them).</summary>
    public static List<Mat> ReadAll(IFrameSource source)
    {
        var frames = new List<Mat>();
        while (source.Read() is { } m) frames.Add(m);
        return frames;
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/> holds the frames of <paramref name="expected"/> in order: each within
    /// <paramref name="tolerance"/> grey levels of its counterpart and closer to it than to the neighbouring frames
    /// (a shifted, dropped or duplicated frame, or swapped colour channels, fails).
    /// </summary>
    public static void AssertSameFrames(IReadOnlyList<Mat> expected, IReadOnlyList<Mat> actual, double tolerance)
    {
        Xunit.Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            double same = MeanAbs(actual[i], expected[i]);
            Xunit.Assert.True(same < tolerance, $"frame {i}: {same:0.00} grey levels from its counterpart");
            if (i > 0) Xunit.Assert.True(same < MeanAbs(actual[i], expected[i - 1]), $"frame {i} is closer to frame {i - 1}");
            if (i + 1 < expected.Count) Xunit.Assert.True(same < MeanAbs(actual[i], expected[i + 1]), $"frame {i} is closer to frame {i + 1}");
        }
    }
}
