using System.Diagnostics;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>Runs Debian's ffmpeg/ffprobe for test set-up (encoding inputs, streaming on loopback, probing outputs).</summary>
internal static class FfmpegCli
{
    public static string Require(string tool = "ffmpeg") =>
        Tood.Realtime.Video.Ffmpeg.FfmpegTool.Find() is { } t
            ? Path.Combine(Path.GetDirectoryName(t.Path)!, tool)
            : throw new InvalidOperationException("ffmpeg is not on PATH: run scripts/setup.sh (apt install ffmpeg)");

    /// <summary>Runs to completion; returns stdout; throws with stderr on a non-zero exit.</summary>
    public static string Run(string tool, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Require(tool)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', psi.ArgumentList)} failed ({p.ExitCode}): {err.Result}");
        return output;
    }

    /// <summary>Starts ffmpeg in the background (a stream sender); dispose to stop it.</summary>
    public static BackgroundProcess Start(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Require()) { RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-hide_banner", "-nostdin", "-loglevel", "error" }.Concat(args)) psi.ArgumentList.Add(a);
        return new BackgroundProcess(Process.Start(psi)!);
    }
}

internal sealed class BackgroundProcess : IDisposable
{
    private readonly Process _p;
    private readonly System.Text.StringBuilder _err = new();
    public BackgroundProcess(Process p)
    {
        _p = p;
        p.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (_err) _err.AppendLine(l); };
        p.BeginErrorReadLine();
    }
    public string Errors { get { lock (_err) return _err.ToString(); } }
    public bool HasExited => _p.HasExited;
    public void Dispose()
    {
        try { if (!_p.HasExited) _p.Kill(); } catch (InvalidOperationException) { }
        _p.WaitForExit(5000);
        _p.Dispose();
    }
}
