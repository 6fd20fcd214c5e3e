namespace Tood.Tests;

/// <summary>
/// The project's real test data, <c>../shared</c> beside the repository root (CI copies it there): coco128 in
/// YOLO layout and the Intel person video. Missing data fails the test with its path, it is never skipped.
/// </summary>
internal static class SharedData
{
    public static string Dir { get; } = Find();

    public static string Coco128 => Path.Combine(Dir, "datasets", "coco128");

    /// <summary>capston2-person: 2,885 train / 150 val photos of people, YOLO layout, one class "person".</summary>
    public static string Capston2Person => Path.Combine(Dir, "datasets", "capston2-person");

    /// <summary>Real camera video: 768×432, 10 fps, 1394 frames, H.264, moov before mdat.</summary>
    public static string PersonVideo => Path.Combine(Dir, "videos", "one-by-one-person-detection.mp4");
    public const int PersonVideoFrames = 1394, PersonVideoWidth = 768, PersonVideoHeight = 432;

    /// <summary>The first <paramref name="count"/> images of a coco128 split, in file-name order.</summary>
    public static string[] Coco128Images(string split, int count) =>
        [.. Directory.GetFiles(Path.Combine(Coco128, "images", split), "*.jpg").Order(StringComparer.Ordinal).Take(count)];

    private static string Find()
    {
        var shared = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared"));
        return Directory.Exists(shared) ? shared : throw new DirectoryNotFoundException($"real test data '{shared}' (../shared beside the repository) not found");
    }
}
