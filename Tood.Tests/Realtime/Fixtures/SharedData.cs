namespace Tood.Tests.Realtime.Fixtures;

/// <summary>The real inputs in <c>../shared</c> beside the repository (CI checks it out there).</summary>
internal static class SharedData
{
    /// <summary>Real camera video: 768×432, 10 fps, 1394 frames, H.264, moov before mdat.</summary>
    public static string PersonVideo => Find("videos/one-by-one-person-detection.mp4");
    public const int PersonVideoFrames = 1394, PersonVideoWidth = 768, PersonVideoHeight = 432;

    private static string Find(string relative)
    {
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoPaths.Root, "..", "shared", relative));
        return File.Exists(path) ? path : throw new FileNotFoundException($"real test input missing: {path} (../shared beside the repository)", path);
    }
}
