using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>
/// A private Xvfb server with a black root window whose framebuffer is memory-mapped to an XWD file
/// (-fbdir), so the test can "screenshot" without extra tools by reading that file.
/// </summary>
internal sealed partial class Xvfb : IDisposable
{
    private readonly Process _proc;
    private readonly string _fbdir;
    public string Display { get; }

    private Xvfb(Process p, string fbdir, string display) { _proc = p; _fbdir = fbdir; Display = display; }

    public static string? FindBinary() =>
        new[] { "/usr/bin/Xvfb", "/usr/local/bin/Xvfb" }.FirstOrDefault(File.Exists);

    public static Xvfb Start(string binary)
    {
        var fbdir = Directory.CreateTempSubdirectory("tood-xvfb-").FullName;
        for (int n = 90 + Environment.ProcessId % 100; ; n++)
        {
            if (File.Exists($"/tmp/.X{n}-lock")) continue;
            var psi = new ProcessStartInfo(binary, $":{n} -screen 0 640x480x24 -fbdir {fbdir} -br -nolisten tcp")
            { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            var p = Process.Start(psi)!;
            p.ErrorDataReceived += (_, _) => { };
            p.BeginErrorReadLine();
            p.OutputDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < 5000 && !p.HasExited && !(File.Exists(Path.Combine(fbdir, "Xvfb_screen0")) && File.Exists($"/tmp/.X11-unix/X{n}")))
                Thread.Sleep(50);
            if (!p.HasExited) return new Xvfb(p, fbdir, $":{n}");
            if (n > 400) throw new InvalidOperationException("could not start Xvfb");
        }
    }

    /// <summary>Reads the screen, sampling every 2nd pixel: (non-black samples, distinct colours).</summary>
    public (int NonBlack, int Colours) Screenshot()
    {
        // Xvfb creates the mmapped file before it fills in the XWD header: on a loaded machine the first read can
        // still see zeros (seen: "bits per pixel 0"), so wait for a complete header.
        byte[] data = File.ReadAllBytes(Path.Combine(_fbdir, "Xvfb_screen0"));
        for (var sw = Stopwatch.StartNew(); (data.Length < 100 || BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(44, 4)) == 0) && sw.ElapsedMilliseconds < 5000;)
        {
            Thread.Sleep(50);
            data = File.ReadAllBytes(Path.Combine(_fbdir, "Xvfb_screen0"));
        }
        uint U(int field) => BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(field * 4, 4));
        int headerSize = (int)U(0), width = (int)U(4), height = (int)U(5), bpp = (int)U(11), bytesPerLine = (int)U(12), ncolors = (int)U(19);
        bool littleEndianPixels = U(7) == 0; // byte_order: 0 = LSBFirst
        int offset = headerSize + ncolors * 12;
        var colours = new HashSet<uint>();
        int nonBlack = 0;
        if (bpp != 32) throw new InvalidOperationException($"unexpected XWD bits per pixel {bpp}");
        // Every 2nd pixel in each direction: plenty for "is anything drawn", a quarter of the work.
        for (int y = 0; y < height; y += 2)
            for (int x = 0; x < width; x += 2)
            {
                var px = data.AsSpan(offset + y * bytesPerLine + x * 4, 4);
                uint v = (littleEndianPixels ? BinaryPrimitives.ReadUInt32LittleEndian(px) : BinaryPrimitives.ReadUInt32BigEndian(px)) & 0xFFFFFF;
                if (v != 0) nonBlack++;
                if (colours.Count < 10000) colours.Add(v);
            }
        return (nonBlack, colours.Count);
    }

    /// <summary>Sets DISPLAY in the native environment of this process (GTK reads getenv, not .NET's copy).</summary>
    public void Export()
    {
        Environment.SetEnvironmentVariable("DISPLAY", Display);
        _ = setenv("DISPLAY", Display, 1);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    public void Dispose()
    {
        try { _proc.Kill(); _proc.WaitForExit(5000); } catch (InvalidOperationException) { }
        _proc.Dispose();
        try { Directory.Delete(_fbdir, true); } catch (IOException) { }
    }
}
