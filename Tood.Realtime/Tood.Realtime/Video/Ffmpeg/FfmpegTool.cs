using System.Diagnostics;
using System.Globalization;

namespace Tood.Realtime.Video.Ffmpeg;

/// <summary>
/// The <c>ffmpeg</c> command-line tool (Debian's <c>ffmpeg</c> package; any build with libx264 for H.264).
/// Used where OpenCV's bundled FFmpeg cannot serve: network sources (the official OpenCvSharp Linux runtime is
/// built with <c>--disable-network</c>) and H.264/HEVC encoding (that runtime has no H.264 encoder). Driven
/// through raw pipes (frames on stdin/stdout), not a wrapper library: the pipeline pushes frames into the
/// encoder and pulls decoded frames from a blocking capture thread, which map directly onto the child's
/// stdin/stdout, and the child must run in its own session so a terminal's Ctrl+C reaches only tood-live,
/// which then closes the encoder's input itself (see <see cref="FfmpegProcess"/>).
/// </summary>
public sealed class FfmpegTool
{
    private readonly Lazy<string> _version;
    private readonly Lazy<IReadOnlySet<string>> _encoders;

    /// <summary>Full path of the ffmpeg executable.</summary>
    public string Path { get; }

    private FfmpegTool(string path)
    {
        Path = path;
        _version = new Lazy<string>(ReadVersion);
        _encoders = new Lazy<IReadOnlySet<string>>(ReadEncoders);
    }

    /// <summary>
    /// Finds <c>ffmpeg</c> on <paramref name="searchPath"/> (default: the PATH environment variable); null when it
    /// is not installed. Only looks at the file system: the tool runs when first used.
    /// </summary>
    public static FfmpegTool? Find(string? searchPath = null)
    {
        searchPath ??= Environment.GetEnvironmentVariable("PATH") ?? "";
        string exe = OperatingSystem.IsWindows() ? "ffmpeg.exe" : "ffmpeg";
        foreach (var dir in searchPath.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, exe);
            if (File.Exists(candidate)) return new FfmpegTool(candidate);
        }
        return null;
    }

    /// <summary>Uses the ffmpeg executable at <paramref name="path"/>.</summary>
    public static FfmpegTool At(string path) =>
        File.Exists(path) ? new FfmpegTool(System.IO.Path.GetFullPath(path)) : throw new FileNotFoundException($"ffmpeg not found: {path}", path);

    /// <summary>Version string from <c>ffmpeg -version</c> (e.g. "5.1.9-0+deb12u1").</summary>
    public string Version => _version.Value;

    /// <summary>Major version (5 for "5.1.9-0+deb12u1", 7 for "n7.1"); 99 when the version string has no number (a git build: assume current).</summary>
    public int MajorVersion
    {
        get
        {
            var digits = new string(Version.SkipWhile(c => !char.IsAsciiDigit(c)).TakeWhile(char.IsAsciiDigit).ToArray());
            return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 99;
        }
    }

    /// <summary>Whether this build has the encoder (e.g. "libx264").</summary>
    public bool HasEncoder(string name) => _encoders.Value.Contains(name);

    /// <summary>Starts ffmpeg with <paramref name="args"/> (after the common quiet flags).</summary>
    internal FfmpegProcess Start(IReadOnlyList<string> args, string purpose) => FfmpegProcess.Start(Path, args, purpose);

    private string ReadVersion()
    {
        var first = RunToEnd(["-hide_banner", "-version"]).Split('\n')[0];
        // "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) ..."
        var parts = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3 && parts[1] == "version" ? parts[2] : "unknown";
    }

    private IReadOnlySet<string> ReadEncoders()
    {
        // " V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)"
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in RunToEnd(["-hide_banner", "-encoders"]).Split('\n'))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length >= 2 && cols[0].Length == 6 && cols[0][0] is 'V' or 'A' or 'S') set.Add(cols[1]);
        }
        return set;
    }

    private string RunToEnd(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new IOException($"cannot start {Path}");
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        _ = err.Result;
        return output;
    }

    /// <summary>Frame rate as ffmpeg parses it (a decimal it turns into the nearest rational, e.g. 29.97003 → 30000/1001).</summary>
    internal static string Rate(double fps) => fps.ToString("0.#####", CultureInfo.InvariantCulture);

    public override string ToString() => $"ffmpeg {Version}";
}
