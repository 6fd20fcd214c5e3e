using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>
/// tood-live as a child process (the built Tood.Live.dll next to the tests, run by the same dotnet), for
/// tests that signal it. With <c>ownProcessGroup</c> it is started through setsid, so a signal sent to its process
/// group reaches it and everything in its group — as a terminal's Ctrl+C does — and nothing else.
/// </summary>
internal sealed partial class LiveProcess : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new(), _err = new();

    public int Pid => _p.Id;
    public string Stdout { get { lock (_out) return _out.ToString(); } }
    public string Stderr { get { lock (_err) return _err.ToString(); } }

    private LiveProcess(Process p)
    {
        _p = p;
        p.OutputDataReceived += (_, e) => { if (e.Data is { } l) lock (_out) _out.AppendLine(l); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (_err) _err.AppendLine(l); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    public static LiveProcess Start(IEnumerable<string> args, bool ownProcessGroup = false)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Tood.Live.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"tood-live not built next to the tests: {dll}", dll);
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : Environment.ProcessPath!;
        var psi = new ProcessStartInfo(ownProcessGroup ? "/usr/bin/setsid" : dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (ownProcessGroup) psi.ArgumentList.Add(dotnet);
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return new LiveProcess(Process.Start(psi)!);
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>; false on timeout or if the process exited first.</summary>
    public bool WaitForStderr(string text, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (Stderr.Contains(text, StringComparison.Ordinal)) return true;
            if (_p.HasExited) return false;
            Thread.Sleep(50);
        }
        return false;
    }

    /// <summary>
    /// Waits until tood-live's video encoder (its ffmpeg child, fed raw frames on stdin) has read at least
    /// <paramref name="bytes"/> — so that many bytes of rendered frames have left tood-live: an observable sign of
    /// progress in place of a sleep that guesses how long the first frames take on this machine. Reads the child's
    /// rchar in /proc/PID/io (its own start-up reads are a few KB). False on timeout or if tood-live exited first;
    /// null when the counter cannot be read here (no /proc, or the kernel hides it).
    /// </summary>
    public bool? WaitForEncoderInput(long bytes, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (_p.HasExited) return false;
            foreach (var (pid, _) in Children("ffmpeg"))
            {
                var read = ReadChars(pid);
                if (read is null) return null;
                if (read >= bytes) return true;
            }
            Thread.Sleep(50);
        }
        return false;
    }

    private static long? ReadChars(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/io"))
                if (line.StartsWith("rchar:", StringComparison.Ordinal)) return long.Parse(line[6..].Trim(), CultureInfo.InvariantCulture);
            return null;
        }
        catch (FileNotFoundException) { return 0; }          // exited between the listing and the read
        catch (DirectoryNotFoundException) { return 0; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public void Signal(int signal) => Check(Kill(Pid, signal));

    /// <summary>Signals another process (e.g. tood-live's encoder child, by a pid from <see cref="Children"/>).</summary>
    public static void Signal(int pid, int signal) => Check(Kill(pid, signal));

    /// <summary>Signals the whole process group (the child must lead one: <c>ownProcessGroup</c>).</summary>
    public void SignalGroup(int signal)
    {
        if (!File.Exists($"/proc/{Pid}/stat")) throw new InvalidOperationException($"tood-live (pid {Pid}) exited before the signal; stderr: {Stderr}");
        int group = ProcessGroup(Pid);
        if (group != Pid) throw new InvalidOperationException($"tood-live (pid {Pid}) does not lead its process group ({group}): not started with ownProcessGroup");
        Check(Kill(-Pid, signal));
    }

    /// <summary>Waits for the exit, then for the end of its stdout/stderr (only the parameterless WaitForExit waits for
    /// the asynchronous readers, so without it the last lines may not have arrived yet).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_p.WaitForExit(timeout)) return false;
        _p.WaitForExit();
        return true;
    }
    public int ExitCode => _p.ExitCode;

    /// <summary>Children of this process whose command name is <paramref name="comm"/> (from /proc), with their process group ids.</summary>
    public List<(int Pid, int Pgid)> Children(string comm)
    {
        var found = new List<(int, int)>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            // pid (comm) state ppid pgrp ...
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            if (open < 0 || close < open || stat[(open + 1)..close] != comm) continue;
            var rest = stat[(close + 2)..].Split(' ');
            if (int.Parse(rest[1], CultureInfo.InvariantCulture) == Pid) found.Add((pid, int.Parse(rest[2], CultureInfo.InvariantCulture)));
        }
        return found;
    }

    public static int ProcessGroup(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], CultureInfo.InvariantCulture);
    }

    private static void Check(int rc)
    {
        if (rc != 0) throw new InvalidOperationException($"kill failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public void Dispose()
    {
        try { if (!_p.HasExited) _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _p.WaitForExit(5000);
        _p.Dispose();
    }
}
