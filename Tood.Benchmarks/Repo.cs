namespace Tood.Benchmarks;

/// <summary>Paths in the repository the benchmarks run from (found by walking up to Tood.sln), and the real test data
/// in <c>../shared</c> beside it.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot(new DirectoryInfo(AppContext.BaseDirectory));

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Real camera video: 768×432, 10 fps, 1394 frames (../shared/videos).</summary>
    public static string PersonVideo => System.IO.Path.GetFullPath(Path("..", "shared", "videos", "one-by-one-person-detection.mp4"));

    private static string FindRoot(DirectoryInfo? dir) =>
        dir is null ? throw new DirectoryNotFoundException("Tood.sln not found above " + AppContext.BaseDirectory)
        : File.Exists(System.IO.Path.Combine(dir.FullName, "Tood.sln")) ? dir.FullName : FindRoot(dir.Parent);
}
