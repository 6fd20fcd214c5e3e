using System.Diagnostics;

namespace Tood.Realtime.Video.Ffmpeg;

/// <summary>
/// One running ffmpeg with its stdin/stdout as raw pipes and the last lines of its stderr kept for messages.
/// <para>
/// On Linux it is started through <c>setsid</c>, in a session (and process group) of its own: a terminal's
/// Ctrl+C, or a SIGHUP when the terminal closes, goes to the foreground process group only, so it reaches
/// tood-live and not the encoder, and tood-live finalises the encoder by closing its input. Even if tood-live
/// dies outright, the encoder sees end-of-input and still writes a complete (playable) file.
/// </para>
/// </summary>
internal sealed class FfmpegProcess : IDisposable
{
    private const int KeptLines = 12;
    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly string _purpose;

    private FfmpegProcess(Process process, string purpose)
    {
        _process = process; _purpose = purpose;
    }

    public int Id => _process.Id;
    public Stream Input => _process.StandardInput.BaseStream;
    public Stream Output => _process.StandardOutput.BaseStream;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static FfmpegProcess Start(string ffmpeg, IReadOnlyList<string> args, string purpose)
    {
        const string setsid = "/usr/bin/setsid";
        bool ownSession = OperatingSystem.IsLinux() && File.Exists(setsid);
        var psi = new ProcessStartInfo(ownSession ? setsid : ffmpeg)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // setsid calls setsid(2) and execs ffmpeg in place (the child is not a group leader, so it does not fork):
        // the process id stays ffmpeg's.
        if (ownSession) psi.ArgumentList.Add(ffmpeg);
        foreach (var a in new[] { "-hide_banner", "-nostats", "-loglevel", "error" }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(psi) ?? throw new IOException($"cannot start {ffmpeg}"); }
        catch (System.ComponentModel.Win32Exception e) { throw new IOException($"cannot start {ffmpeg} for {purpose}: {e.Message}", e); }
        var p = new FfmpegProcess(process, purpose);
        process.ErrorDataReceived += (_, e) => p.KeepLine(e.Data);
        process.BeginErrorReadLine();
        return p;
    }

    private void KeepLine(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        lock (_stderr)
        {
            if (_stderr.Count == KeptLines) _stderr.Dequeue();
            _stderr.Enqueue(line.Trim());
        }
    }

    /// <summary>ffmpeg's last error line (e.g. "Connection refused"), or "" when it printed none.</summary>
    public string LastError
    {
        get { lock (_stderr) return _stderr.Count == 0 ? "" : _stderr.Last(); }
    }

    /// <summary>The error ffmpeg reported for <paramref name="url"/> (its "URL: error" line), or null.</summary>
    public string? ErrorFor(string url)
    {
        string prefix = url + ": ";
        lock (_stderr) return _stderr.LastOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    /// <summary>Waits for the exit; false if it has not exited within <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // flushes the stderr reader
        return true;
    }

    /// <summary>"ffmpeg (H.264 encoder) exited with code 1: last error line".</summary>
    public string Describe()
    {
        string tail = LastError;
        return $"ffmpeg ({_purpose}) exited with code {ExitCode}{(tail.Length > 0 ? $": {tail}" : "")}";
    }

    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(); }
        catch (InvalidOperationException) { } // already gone
        catch (System.ComponentModel.Win32Exception) { }
    }

    public void Dispose()
    {
        Kill();
        try { _process.WaitForExit(5000); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
